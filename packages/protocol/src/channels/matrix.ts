import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** Sends `m.room.message` events to a Matrix room through the client-server API, as a bot user. */
export const matrixChannel = defineChannel({
  protocol: 'matrix',
  label: 'Matrix',
  schema: z
    .object({
      protocol: z.literal('matrix'),
      /** The bot's homeserver: `https://matrix.example.org`. */
      homeserver: httpUrlSchema,
      /** The room's id (not an alias): `!abcdef:example.org`; the bot must have joined it. */
      roomId: z.string().regex(/^![^:\s]+:\S+$/, 'a room id such as !abcdef:example.org'),
      accessToken: z.string().min(1),
      /** `m.notice` (the default: clients treat it as a bot's message) or `m.text`. */
      msgtype: z.enum(['m.notice', 'm.text']).default('m.notice'),
      ...common,
      ...grouping,
    })
    .strict(),
  secrets: ['accessToken'],
  fields: [
    { name: 'homeserver', label: 'Homeserver', kind: 'url', required: true, placeholder: 'https://matrix.org' },
    {
      name: 'roomId',
      label: 'Room id',
      kind: 'text',
      required: true,
      placeholder: '!abcdef:example.org',
      hint: 'Room settings › Advanced; the bot must be in the room.',
    },
    { name: 'accessToken', label: 'Access token', kind: 'password', required: true },
    { name: 'msgtype', label: 'Message type', kind: 'select', options: ['m.notice', 'm.text'] },
  ],
});
