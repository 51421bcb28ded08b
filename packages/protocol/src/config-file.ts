import { z } from 'zod';
import { agentGroupInputSchema } from './agent.js';
import { alertRouteInputSchema } from './alert-route.js';
import { archiveJobInputSchema } from './archive.js';
import { heartbeatInputSchema } from './heartbeat.js';
import { logGroupInputSchema, logRuleInputSchema } from './log-rule.js';
import { alarmInputSchema, compositeAlarmInputSchema, groupInputSchema } from './metric.js';
import { maintenanceInputSchema, monitorInputSchema } from './monitor.js';
import { statusPageInputSchema } from './status-page.js';
import { topicInputSchema } from './topic.js';

/**
 * The config file: one section per resource, named as the resource's API
 * routes and tables are.
 */
export const configFileSchema = z
  .object({
    version: z.literal(1).optional(),
    topics: z.array(topicInputSchema).optional(),
    monitors: z.array(monitorInputSchema).optional(),
    maintenance: z.array(maintenanceInputSchema).optional(),
    heartbeats: z.array(heartbeatInputSchema).optional(),
    groups: z.array(groupInputSchema).optional(),
    status_pages: z.array(statusPageInputSchema).optional(),
    log_groups: z.array(logGroupInputSchema).optional(),
    log_rules: z.array(logRuleInputSchema).optional(),
    archives: z.array(archiveJobInputSchema).optional(),
    agent_groups: z.array(agentGroupInputSchema).optional(),
    alert_routes: z.array(alertRouteInputSchema).optional(),
    alarms: z
      .array(z.record(z.string(), z.unknown()))
      .superRefine((items, ctx) => {
        items.forEach((item, i) => {
          const r = ('rule' in item ? compositeAlarmInputSchema : alarmInputSchema).safeParse(item);
          if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: [i, ...issue.path] });
        });
      })
      .optional(),
    /** Where lists of monitors are read from (checked by the server's sources section). */
    sources: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
