import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping } from './subscription-common.js';

export const emailChannel = defineChannel({
  protocol: 'email',
  label: 'E-mail',
  schema: z
    .object({ protocol: z.literal('email'), endpoint: z.email({ error: 'an e-mail address' }), ...common, ...grouping })
    .strict(),
  secrets: [],
  fields: [{ name: 'endpoint', label: 'Address', kind: 'email', required: true, hint: 'It must confirm by mail.' }],
});
