import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

export const teamsChannel = defineChannel({
  protocol: 'teams',
  label: 'Microsoft Teams',
  schema: z
    .object({
      protocol: z.literal('teams'),
      /** The URL of a Workflows flow "When a Teams webhook request is received" (Office 365 connectors are retired). */
      endpoint: httpUrlSchema,
      ...common,
      ...grouping,
    })
    .strict(),
  // The workflow's URL carries its signature (`sig=`): it is the credential.
  secrets: ['endpoint'],
  fields: [
    {
      name: 'endpoint',
      label: 'Workflow webhook URL',
      kind: 'password',
      required: true,
      hint: 'From the Workflows app: "Post to a channel when a webhook request is received".',
    },
  ],
});
