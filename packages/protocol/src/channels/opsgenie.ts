import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, httpUrlSchema, noGrouping } from './subscription-common.js';

/** `team:ops`, `user:jane@example.com`, `escalation:Ops_Escalation`, `schedule:Ops_Schedule`: who Opsgenie notifies. */
export const opsgenieResponderSchema = z
  .string()
  .regex(/^(team|user|escalation|schedule):\S.*$/, 'team:NAME, user:EMAIL, escalation:NAME or schedule:NAME');

/** Creates Opsgenie alerts (Alert API v2) with the event's dedup key as alias, and closes them by alias. */
export const opsgenieChannel = defineChannel({
  protocol: 'opsgenie',
  label: 'Opsgenie',
  schema: z
    .object({
      protocol: z.literal('opsgenie'),
      /** The API key of an API integration (`Authorization: GenieKey …`). */
      apiKey: z.string().min(1),
      /** Which Opsgenie instance: `us` (api.opsgenie.com) or `eu` (api.eu.opsgenie.com). */
      region: z.enum(['us', 'eu']).default('us'),
      /** Overrides the region's API base URL (a proxy, or a test receiver). */
      endpoint: httpUrlSchema.optional(),
      /** Opsgenie allows 50 responders an alert. */
      responders: z.array(opsgenieResponderSchema).min(1).max(50).optional(),
      /** Tags added to every alert, beside the severity and the source's tags. */
      tags: z.array(z.string().min(1).max(50)).max(20).optional(),
      ...common,
      ...noGrouping('Opsgenie', 'each alert has its own alias'),
    })
    .strict(),
  secrets: ['apiKey'],
  fields: [
    {
      name: 'apiKey',
      label: 'API key',
      kind: 'password',
      required: true,
      hint: 'The key of an API integration in Opsgenie.',
    },
    { name: 'region', label: 'Region', kind: 'select', options: ['us', 'eu'], hint: 'The instance of your account.' },
    { name: 'endpoint', label: 'API URL', kind: 'url', hint: 'Overrides the region’s API URL.' },
    {
      name: 'responders',
      label: 'Responders',
      kind: 'list',
      hint: 'Comma-separated: team:NAME, user:EMAIL, escalation:NAME, schedule:NAME.',
    },
    { name: 'tags', label: 'Tags', kind: 'list', hint: 'Comma-separated; added to every alert.' },
  ],
});
