import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const ntfyChannel = defineChannel({
  protocol: 'ntfy',
  label: 'ntfy',
  schema: z
    .object({
      protocol: z.literal('ntfy'),
      /** The ntfy server's base URL; ntfy.sh when absent. */
      server: httpUrlSchema.default('https://ntfy.sh'),
      topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'a topic: 1 to 64 letters, digits, - and _'),
      /** An access token (`tk_…`), sent as a bearer token. */
      accessToken: z.string().min(1).optional(),
      username: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      /** The page a tap on the notification opens. */
      click: httpUrlSchema.optional(),
      /** Tags (or emoji short codes) added to each message's own. */
      tags: z.array(z.string().min(1).max(100)).max(10).optional(),
      ...common,
      ...grouping,
    })
    .strict()
    .refine((s) => !(s.accessToken && (s.username || s.password)), {
      message: 'use an access token or a username and password, not both',
      path: ['accessToken'],
    })
    .refine((s) => !s.username === !s.password, {
      message: 'username and password go together',
      path: ['password'],
    }),
  secrets: ['accessToken', 'password'],
  fields: [
    { name: 'server', label: 'Server', kind: 'url', placeholder: 'https://ntfy.sh', hint: 'ntfy.sh when empty.' },
    { name: 'topic', label: 'Topic', kind: 'text', required: true, hint: 'Letters, digits, - and _.' },
    { name: 'accessToken', label: 'Access token', kind: 'password', hint: 'For a protected topic (tk_…).' },
    { name: 'username', label: 'Username', kind: 'text', hint: 'Or basic auth, with the password.' },
    { name: 'password', label: 'Password', kind: 'password' },
    { name: 'click', label: 'Click URL', kind: 'url', hint: 'The page a tap on the notification opens.' },
    { name: 'tags', label: 'Tags', kind: 'list', hint: 'Added to every message: tags or emoji short codes.' },
  ],
});
