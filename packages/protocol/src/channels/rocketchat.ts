import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** Posts to a Rocket.Chat incoming webhook integration (`https://chat.example.com/hooks/{id}/{token}`). */
export const rocketchatChannel = defineChannel({
  protocol: 'rocketchat',
  label: 'Rocket.Chat',
  schema: z
    .object({
      protocol: z.literal('rocketchat'),
      endpoint: httpUrlSchema,
      /** `#channel` or `@user`: overrides the integration's channel. */
      channel: z
        .string()
        .regex(/^[#@][^\s]+$/, 'a #channel or an @user')
        .optional(),
      /** The sender name shown instead of the integration's user. */
      alias: z.string().min(1).max(100).optional(),
      /** The sender's avatar as an emoji: `:rotating_light:`. */
      emoji: z
        .string()
        .regex(/^:[^:\s]+:$/, 'an emoji such as :rotating_light:')
        .optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  // The integration's URL holds its token.
  secrets: ['endpoint'],
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook URL',
      kind: 'password',
      required: true,
      hint: 'The incoming webhook integration’s URL (Administration › Integrations).',
    },
    { name: 'channel', label: 'Channel', kind: 'text', placeholder: '#alerts', hint: 'Overrides the integration’s.' },
    { name: 'alias', label: 'Sender name', kind: 'text', placeholder: 'Tocsin' },
    { name: 'emoji', label: 'Sender emoji', kind: 'text', placeholder: ':rotating_light:' },
  ],
});
