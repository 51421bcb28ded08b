import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const slackChannel = defineChannel({
  protocol: 'slack',
  label: 'Slack',
  schema: z
    .object({
      protocol: z.literal('slack'),
      endpoint: httpUrlSchema,
      channel: z.string().optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  // The incoming webhook's URL is its credential.
  secrets: ['endpoint'],
  fields: [
    { name: 'endpoint', label: 'Webhook URL', kind: 'password', required: true, hint: 'An incoming webhook URL.' },
    { name: 'channel', label: 'Channel', kind: 'text', hint: 'Overrides the incoming webhook’s channel.' },
  ],
});
