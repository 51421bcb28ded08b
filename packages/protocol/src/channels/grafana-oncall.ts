import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, httpUrlSchema, noGrouping } from './subscription-common.js';

/** Sends to a Grafana OnCall (Grafana IRM) Formatted Webhook integration. */
export const grafanaOncallChannel = defineChannel({
  protocol: 'grafana_oncall',
  label: 'Grafana OnCall',
  schema: z
    .object({
      protocol: z.literal('grafana_oncall'),
      /** The integration's URL (`…/integrations/v1/formatted_webhook/{token}/`): the token is the credential. */
      endpoint: httpUrlSchema,
      ...common,
      ...noGrouping('Grafana OnCall', 'each alert group has its own alert_uid'),
    })
    .strict(),
  secrets: ['endpoint'],
  fields: [
    {
      name: 'endpoint',
      label: 'Integration URL',
      kind: 'password',
      required: true,
      hint: 'Of a Formatted Webhook (or Webhook) integration.',
    },
  ],
});
