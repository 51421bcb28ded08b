import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const datadogChannel = defineChannel({
  protocol: 'datadog',
  label: 'Datadog events',
  schema: z
    .object({
      protocol: z.literal('datadog'),
      apiKey: z.string().min(1),
      /** The Events API URL of your Datadog site. */
      endpoint: httpUrlSchema.default('https://api.datadoghq.com/api/v1/events'),
      ...common,
      ...grouping,
    })
    .strict(),
  secrets: ['apiKey'],
  fields: [
    { name: 'apiKey', label: 'API key', kind: 'password', required: true, hint: 'A Datadog API key.' },
    {
      name: 'endpoint',
      label: 'Events API URL',
      kind: 'url',
      placeholder: 'https://api.datadoghq.com/api/v1/events',
      hint: "Your Datadog site's; US1 when empty.",
    },
  ],
});
