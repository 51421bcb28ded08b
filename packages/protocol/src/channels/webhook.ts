import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, headersSchema, httpUrlSchema, webhookSecretSchema } from './subscription-common.js';

export const webhookChannel = defineChannel({
  protocol: 'webhook',
  label: 'Webhook (signed JSON)',
  schema: z
    .object({
      protocol: z.literal('webhook'),
      endpoint: httpUrlSchema,
      /** Signs each request: X-Tocsin-Signature is HMAC-SHA256 over `timestamp.body`. */
      secret: webhookSecretSchema.optional(),
      headers: headersSchema.optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  secrets: ['secret', 'headers'],
  fields: [
    { name: 'endpoint', label: 'URL', kind: 'url', required: true },
    {
      name: 'secret',
      label: 'Signing secret',
      kind: 'password',
      hint: 'At least 8 characters; signs each request (X-Tocsin-Signature).',
    },
    { name: 'headers', label: 'Headers', kind: 'pairs', hint: 'One a line: Name: value', rows: 2 },
  ],
});
