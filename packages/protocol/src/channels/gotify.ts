import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const gotifyChannel = defineChannel({
  protocol: 'gotify',
  label: 'Gotify',
  schema: z
    .object({
      protocol: z.literal('gotify'),
      /** The Gotify server's base URL (messages go to `{server}/message`). */
      server: httpUrlSchema,
      /** The application's token. */
      token: z.string().min(1),
      /** Send plain text instead of Markdown (`client::display`). */
      plainText: z.boolean().optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  secrets: ['token'],
  fields: [
    { name: 'server', label: 'Server', kind: 'url', required: true, placeholder: 'https://gotify.example.com' },
    { name: 'token', label: 'App token', kind: 'password', required: true, hint: 'The token of a Gotify app.' },
    { name: 'plainText', label: 'Plain text', kind: 'checkbox', hint: 'Markdown when unchecked.' },
  ],
});
