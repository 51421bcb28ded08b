import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** Forwards events as log entries to Datadog's logs intake (`{endpoint}/api/v2/logs`). */
export const datadogLogsChannel = defineChannel({
  protocol: 'datadog_logs',
  label: 'Datadog logs',
  schema: z
    .object({
      protocol: z.literal('datadog_logs'),
      apiKey: z.string().min(1),
      /** The logs intake of your Datadog site (https://http-intake.logs.datadoghq.eu, …). */
      endpoint: httpUrlSchema.default('https://http-intake.logs.datadoghq.com'),
      /** `ddsource` of every entry. */
      ddsource: z.string().min(1).max(100).default('tocsin'),
      /** `service` of entries whose line names no source. */
      service: z.string().min(1).max(100).optional(),
      /** `hostname` of every entry (this node's id when omitted). */
      hostname: z.string().min(1).max(255).optional(),
      /** Tags added to `ddtags` of every entry. */
      tags: z.record(z.string().min(1).max(100), z.string().max(200)).optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  secrets: ['apiKey'],
  fields: [
    { name: 'apiKey', label: 'API key', kind: 'password', required: true, hint: 'A Datadog API key.' },
    {
      name: 'endpoint',
      label: 'Logs intake URL',
      kind: 'url',
      placeholder: 'https://http-intake.logs.datadoghq.com',
      hint: "Your Datadog site's; US1 when empty.",
    },
    { name: 'ddsource', label: 'Source (ddsource)', kind: 'text', placeholder: 'tocsin' },
    { name: 'service', label: 'Service', kind: 'text', hint: 'For lines that name no source.' },
    { name: 'hostname', label: 'Host name', kind: 'text', hint: "This node's id when empty." },
    { name: 'tags', label: 'Tags', kind: 'pairs', hint: 'One a line: key: value', rows: 2 },
  ],
});
