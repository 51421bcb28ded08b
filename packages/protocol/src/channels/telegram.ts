import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const telegramChannel = defineChannel({
  protocol: 'telegram',
  label: 'Telegram',
  schema: z
    .object({
      protocol: z.literal('telegram'),
      /** The token @BotFather gives: `123456789:AA…`. */
      botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'a bot token as @BotFather gives it (123456789:AA…)'),
      /** A chat's numeric id (groups and channels are negative) or a public channel's `@username`. */
      chatId: z.union([
        z.number().int(),
        z.string().regex(/^(-?\d+|@[A-Za-z0-9_]{4,})$/, 'a numeric chat id or a channel’s @username'),
      ]),
      /** The topic of a forum supergroup. */
      messageThreadId: z.number().int().positive().optional(),
      /** The Bot API server; a self-hosted one (telegram-bot-api) or a proxy. */
      endpoint: httpUrlSchema.default('https://api.telegram.org'),
      ...common,
      ...grouping,
    })
    .strict(),
  secrets: ['botToken'],
  fields: [
    { name: 'botToken', label: 'Bot token', kind: 'password', required: true, hint: 'From @BotFather.' },
    {
      name: 'chatId',
      label: 'Chat id',
      kind: 'text',
      required: true,
      placeholder: '-1001234567890',
      hint: 'A numeric chat id, or @channelname for a public channel. The bot must be a member.',
    },
    { name: 'messageThreadId', label: 'Topic id', kind: 'number', hint: 'The topic of a forum group.' },
  ],
});
