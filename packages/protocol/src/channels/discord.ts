import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const discordChannel = defineChannel({
  protocol: 'discord',
  label: 'Discord',
  schema: z
    .object({
      protocol: z.literal('discord'),
      /** The channel webhook's URL: https://discord.com/api/webhooks/{id}/{token}. */
      endpoint: httpUrlSchema,
      /** Shown as the author instead of the webhook's own name (Discord allows 1–80 characters). */
      username: z
        .string()
        .trim()
        .min(1)
        .max(80)
        // Discord refuses webhook names with these words (discord.com/developers/docs/resources/webhook).
        .refine((v) => !/clyde|discord/i.test(v), { error: 'Discord refuses names that contain "clyde" or "discord"' })
        .optional(),
      avatarUrl: httpUrlSchema.optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  // The webhook's token is part of its URL.
  secrets: ['endpoint'],
  fields: [
    { name: 'endpoint', label: 'Webhook URL', kind: 'password', required: true, hint: 'Channel settings → Webhooks.' },
    { name: 'username', label: 'Username', kind: 'text', hint: 'Overrides the webhook’s name.' },
    { name: 'avatarUrl', label: 'Avatar URL', kind: 'url', hint: 'Overrides the webhook’s avatar.' },
  ],
});
