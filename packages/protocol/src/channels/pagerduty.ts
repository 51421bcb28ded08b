import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, httpUrlSchema, noGrouping } from './subscription-common.js';

export const pagerdutyChannel = defineChannel({
  protocol: 'pagerduty',
  label: 'PagerDuty',
  schema: z
    .object({
      protocol: z.literal('pagerduty'),
      /** The integration's routing key (Events API v2). */
      routingKey: z.string().min(1),
      endpoint: httpUrlSchema.default('https://events.pagerduty.com/v2/enqueue'),
      ...common,
      ...noGrouping('PagerDuty', 'each incident has its own dedup key'),
    })
    .strict(),
  secrets: ['routingKey'],
  fields: [
    {
      name: 'routingKey',
      label: 'Routing key',
      kind: 'password',
      required: true,
      hint: 'The integration key of the PagerDuty service (Events API v2).',
    },
  ],
});
