import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const googleChatChannel = defineChannel({
  protocol: 'google_chat',
  label: 'Google Chat',
  schema: z
    .object({
      protocol: z.literal('google_chat'),
      /** The space's incoming webhook: https://chat.googleapis.com/v1/spaces/{space}/messages?key=…&token=…. */
      endpoint: httpUrlSchema,
      ...common,
      ...grouping,
    })
    .strict(),
  // The webhook's key and token are in its URL.
  secrets: ['endpoint'],
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook URL',
      kind: 'password',
      required: true,
      hint: 'Space → Apps & integrations → Webhooks.',
    },
  ],
});
