import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** Posts Markdown messages as a Webex bot (`POST https://webexapis.com/v1/messages`), to a room or a person. */
export const webexChannel = defineChannel({
  protocol: 'webex',
  label: 'Webex',
  schema: z
    .object({
      protocol: z.literal('webex'),
      /** The bot's access token. */
      token: z.string().min(1),
      /** The room to post to (the bot must be in it)… */
      roomId: z.string().min(1).optional(),
      /** …or the person to message directly. */
      toPersonEmail: z.email().optional(),
      endpoint: httpUrlSchema.default('https://webexapis.com/v1/messages'),
      ...common,
      ...grouping,
    })
    .strict()
    .refine((s) => !s.roomId !== !s.toPersonEmail, {
      error: 'give roomId or toPersonEmail, one of them',
      path: ['roomId'],
    }),
  secrets: ['token'],
  fields: [
    { name: 'token', label: 'Bot token', kind: 'password', required: true },
    { name: 'roomId', label: 'Room id', kind: 'text', hint: 'The bot must be in the room.' },
    { name: 'toPersonEmail', label: 'Or person', kind: 'email', hint: 'To message one person directly.' },
  ],
});
