import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** E.164: a plus and up to 15 digits. */
const phoneNumberSchema = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'a phone number in E.164 form: +14155550100');

export const twilioSmsChannel = defineChannel({
  protocol: 'twilio_sms',
  label: 'Twilio SMS',
  schema: z
    .object({
      protocol: z.literal('twilio_sms'),
      accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID: AC and 32 hex digits'),
      authToken: z.string().min(1),
      /** The sender: a Twilio number (or an alphanumeric sender id where allowed). */
      from: z.string().min(1).max(20).optional(),
      /** Or a Messaging Service that picks the sender. */
      messagingServiceSid: z
        .string()
        .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID: MG and 32 hex digits')
        .optional(),
      /** One message to each number. */
      to: z.array(phoneNumberSchema).min(1).max(20),
      /** Twilio's API base; for tests and proxies. */
      endpoint: httpUrlSchema.default('https://api.twilio.com'),
      ...common,
      ...grouping,
    })
    .strict()
    .refine((s) => !s.from !== !s.messagingServiceSid, {
      message: 'set from or messagingServiceSid (one of them)',
      path: ['from'],
    }),
  secrets: ['authToken'],
  fields: [
    { name: 'accountSid', label: 'Account SID', kind: 'text', required: true, placeholder: 'AC…' },
    { name: 'authToken', label: 'Auth token', kind: 'password', required: true },
    { name: 'from', label: 'From', kind: 'text', placeholder: '+14155550100', hint: 'A Twilio number; or a service.' },
    { name: 'messagingServiceSid', label: 'Messaging Service SID', kind: 'text', placeholder: 'MG…' },
    { name: 'to', label: 'To', kind: 'list', required: true, hint: 'Numbers in E.164 form, comma-separated.' },
  ],
});
