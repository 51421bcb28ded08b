import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, httpUrlSchema, noGrouping } from './subscription-common.js';

/** Triggers and resolves Squadcast incidents through a service's incoming webhook (Incident API v2). */
export const squadcastChannel = defineChannel({
  protocol: 'squadcast',
  label: 'Squadcast',
  schema: z
    .object({
      protocol: z.literal('squadcast'),
      /** `https://api.squadcast.com/v2/incidents/api/{key}`: the key in it is the credential. */
      endpoint: httpUrlSchema,
      ...common,
      ...noGrouping('Squadcast', 'each incident has its own event_id'),
    })
    .strict(),
  secrets: ['endpoint'],
  fields: [
    {
      name: 'endpoint',
      label: 'Webhook URL',
      kind: 'password',
      required: true,
      hint: 'The service’s incoming webhook: https://api.squadcast.com/v2/incidents/api/…',
    },
  ],
});
