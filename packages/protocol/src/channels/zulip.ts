import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** Sends as a Zulip bot (`POST {site}/api/v1/messages`): to a channel's topic, or directly to users. */
export const zulipChannel = defineChannel({
  protocol: 'zulip',
  label: 'Zulip',
  schema: z
    .object({
      protocol: z.literal('zulip'),
      /** The organisation's URL: `https://example.zulipchat.com`. */
      site: httpUrlSchema,
      /** The bot's e-mail address (its user name for the API). */
      email: z.email({ error: 'the bot’s e-mail address' }),
      apiKey: z.string().min(1),
      /** The channel (stream) to post to; each event source gets its own topic. */
      stream: z.string().min(1).max(60).optional(),
      /** Instead of a channel: the users to message directly, by e-mail address. */
      to: z.array(z.email()).min(1).optional(),
      ...common,
      ...grouping,
    })
    .strict()
    .refine((s) => !s.stream !== !s.to, {
      error: 'give stream (a channel) or to (users to message directly), one of them',
      path: ['stream'],
    }),
  secrets: ['apiKey'],
  fields: [
    { name: 'site', label: 'Zulip URL', kind: 'url', required: true, placeholder: 'https://example.zulipchat.com' },
    { name: 'email', label: 'Bot e-mail', kind: 'email', required: true },
    { name: 'apiKey', label: 'Bot API key', kind: 'password', required: true },
    { name: 'stream', label: 'Channel', kind: 'text', hint: 'Each event source gets its own topic.' },
    {
      name: 'to',
      label: 'Or users',
      kind: 'list',
      hint: 'E-mail addresses to message directly, instead of a channel.',
    },
  ],
});
