import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** Pushover's keys are 30 letters and digits; secrets may be `${VAR}` references or `<redacted>`, so any text. */
const pushoverKey = z.string().min(1).max(64);

export const pushoverChannel = defineChannel({
  protocol: 'pushover',
  label: 'Pushover',
  schema: z
    .object({
      protocol: z.literal('pushover'),
      /** The application's API token. */
      token: pushoverKey,
      /** The user or group key to send to. */
      user: pushoverKey,
      /** Device names to send to (all of the user's devices when absent). */
      devices: z
        .array(z.string().regex(/^[A-Za-z0-9_-]{1,25}$/, 'a device name'))
        .min(1)
        .optional(),
      /** Critical events at emergency priority (2): repeated every `emergencyRetry` seconds until acknowledged. */
      emergency: z.boolean().optional(),
      /** Seconds between an emergency message's repeats (30 at least). */
      emergencyRetry: z.number().int().min(30).max(10800).optional(),
      /** Seconds an unacknowledged emergency message keeps repeating (3 hours at most). */
      emergencyExpire: z.number().int().min(30).max(10800).optional(),
      sound: z.string().min(1).max(64).optional(),
      endpoint: httpUrlSchema.default('https://api.pushover.net/1/messages.json'),
      ...common,
      ...grouping,
    })
    .strict(),
  secrets: ['token', 'user'],
  fields: [
    { name: 'token', label: 'API token', kind: 'password', required: true, hint: 'The application’s API token.' },
    { name: 'user', label: 'User key', kind: 'password', required: true, hint: 'A user or group key.' },
    { name: 'devices', label: 'Devices', kind: 'list', hint: 'All of the user’s devices when empty.' },
    { name: 'sound', label: 'Sound', kind: 'text', hint: 'The user’s default when empty.' },
    {
      name: 'emergency',
      label: 'Emergency priority for critical events',
      kind: 'checkbox',
      hint: 'Repeats until acknowledged.',
    },
    {
      name: 'emergencyRetry',
      label: 'Repeat every (s)',
      kind: 'number',
      placeholder: '60',
      hint: 'Emergency: 30 at least.',
    },
    {
      name: 'emergencyExpire',
      label: 'Repeat for (s)',
      kind: 'number',
      placeholder: '3600',
      hint: 'Emergency: 10800 at most.',
    },
  ],
});
