import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const mattermostChannel = defineChannel({
  protocol: 'mattermost',
  label: 'Mattermost',
  schema: z
    .object({
      protocol: z.literal('mattermost'),
      /** The incoming webhook: https://mattermost.example.com/hooks/{key}. */
      endpoint: httpUrlSchema,
      /** A channel's name (`town-square`) or `@user`; the server must allow webhooks to override it. */
      channel: z.string().min(1).optional(),
      username: z.string().min(1).max(64).optional(),
      iconUrl: httpUrlSchema.optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  // Anyone with the hook's URL may post.
  secrets: ['endpoint'],
  fields: [
    { name: 'endpoint', label: 'Webhook URL', kind: 'password', required: true, hint: 'An incoming webhook URL.' },
    { name: 'channel', label: 'Channel', kind: 'text', hint: 'Overrides the webhook’s channel (town-square, @user).' },
    { name: 'username', label: 'Username', kind: 'text', hint: 'Overrides the webhook’s username.' },
    { name: 'iconUrl', label: 'Icon URL', kind: 'url', hint: 'Overrides the webhook’s profile picture.' },
  ],
});
