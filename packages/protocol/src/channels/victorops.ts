import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, httpUrlSchema, noGrouping } from './subscription-common.js';

/** Sends to Splunk On-Call (VictorOps) through its REST endpoint integration. */
export const victoropsChannel = defineChannel({
  protocol: 'victorops',
  label: 'Splunk On-Call (VictorOps)',
  schema: z
    .object({
      protocol: z.literal('victorops'),
      /** The REST endpoint integration's API key (the path segment after `/alert/`). */
      apiKey: z.string().min(1),
      /** The routing key that picks the team (the last path segment). */
      routingKey: z.string().min(1),
      /** The REST endpoint without the keys. */
      endpoint: httpUrlSchema.default('https://alert.victorops.com/integrations/generic/20131114/alert'),
      ...common,
      ...noGrouping('Splunk On-Call', 'each incident has its own entity_id'),
    })
    .strict(),
  // Both keys sit in the URL: whoever has them can page the team.
  secrets: ['apiKey', 'routingKey'],
  fields: [
    {
      name: 'apiKey',
      label: 'API key',
      kind: 'password',
      required: true,
      hint: 'Of the REST endpoint integration (Integrations › REST – Generic).',
    },
    { name: 'routingKey', label: 'Routing key', kind: 'password', required: true, hint: 'Settings › Routing Keys.' },
    { name: 'endpoint', label: 'REST endpoint', kind: 'url', hint: 'Only for a proxy; the keys are added to it.' },
  ],
});
