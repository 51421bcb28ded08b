import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** POSTs the JSON of Alertmanager's webhook receiver, so tools that take Alertmanager webhooks take Tocsin's. */
export const alertmanagerWebhookChannel = defineChannel({
  protocol: 'alertmanager_webhook',
  label: 'Alertmanager-format webhook',
  schema: z
    .object({
      protocol: z.literal('alertmanager_webhook'),
      endpoint: httpUrlSchema,
      /** Basic auth. */
      username: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      /** `Authorization: Bearer`, instead of basic auth. */
      bearerToken: z.string().min(1).optional(),
      /** At most this many alerts a message, the rest counted in `truncatedAlerts`; 0 is no limit (as max_alerts). */
      maxAlerts: z.number().int().min(0).max(100000).default(0),
      ...common,
      ...grouping,
    })
    .strict()
    .refine((s) => !(s.bearerToken && (s.username || s.password)), {
      error: 'give basic auth (username, password) or bearerToken, not both',
      path: ['bearerToken'],
    })
    .refine((s) => !s.username === !s.password, {
      error: 'basic auth needs both username and password',
      path: ['password'],
    }),
  secrets: ['password', 'bearerToken'],
  fields: [
    { name: 'endpoint', label: 'URL', kind: 'url', required: true },
    { name: 'username', label: 'User name', kind: 'text', hint: 'Basic auth.' },
    { name: 'password', label: 'Password', kind: 'password' },
    { name: 'bearerToken', label: 'Bearer token', kind: 'password', hint: 'Instead of basic auth.' },
    { name: 'maxAlerts', label: 'Max alerts', kind: 'number', hint: 'Alerts a message at most; 0 is no limit.' },
  ],
});
