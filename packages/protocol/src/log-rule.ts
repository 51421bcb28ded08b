import { z } from 'zod';
import { durationSchema } from './duration.js';
import { severities } from './event.js';
import { logLimits } from './log-event.js';
import { nameSchema } from './topic.js';

/**
 * Log groups and log rules, as API bodies and as the config file's
 * `log_groups` and `log_rules` entries. A rule is one of three kinds, each
 * on the events of a group (or of every group) that a CloudWatch filter
 * pattern matches, optionally narrowed to one source or stage:
 * - `route`: each matching event becomes a notification event on topics (seed 002's ① and ②), throttled and
 *   grouped per dedup key, or is forwarded as a log line (a Datadog logs or Loki subscription);
 * - `metric_filter`: matches counted, or a number taken from a field, into a metric (CloudWatch metric filters);
 * - `alarm`: a count of matches in a window, or their share of all lines, alarmed through the alarm engine.
 */

export const logGroupNameSchema = z
  .string()
  .min(1)
  .max(logLimits.nameLength)
  .regex(/^[A-Za-z0-9_.\-/#]+$/, 'use letters, digits and _ . - / #, as CloudWatch Logs group names do');

/** Which events go to a group, over the format's default (docs/logs.md): any of the listed sources or labels. */
export const logGroupMatchSchema = z
  .object({
    /** The event's source (OTLP service.name, the Loki `service_name`/`job` label, a syslog app-name). */
    sources: z.array(z.string().min(1).max(logLimits.sourceLength)).max(100).optional(),
    /** Every listed label (a Loki label, a resource attribute) equals its value. */
    labels: z.record(z.string().min(1).max(256), z.string().max(1024)).optional(),
  })
  .strict();

export const logGroupInputSchema = z
  .object({
    name: logGroupNameSchema,
    description: z.string().max(1024).optional(),
    /** Days to keep its events; whole blocks older than that are deleted. */
    retentionDays: z.number().int().min(1).max(3653).default(30),
    match: logGroupMatchSchema.optional(),
  })
  .strict();

export type LogGroupSpec = z.infer<typeof logGroupInputSchema>;

export const logRuleKinds = ['route', 'metric_filter', 'alarm'] as const;
export type LogRuleKind = (typeof logRuleKinds)[number];

/** The events a rule looks at. */
const selectorFields = {
  /** The group (a name, or `*` for every group). */
  group: z.union([logGroupNameSchema, z.literal('*')]).default('*'),
  /** Only events of this source (service, function). */
  source: z.string().min(1).max(logLimits.sourceLength).optional(),
  /** Only events of this stage or environment. */
  stage: z.string().min(1).max(logLimits.stageLength).optional(),
  /** A CloudWatch filter pattern; '' matches every event. */
  pattern: z.string().max(1024),
};

const ruleBase = {
  name: nameSchema,
  description: z.string().max(1024).optional(),
  enabled: z.boolean().default(true),
  ...selectorFields,
};

/** A route: matching events to topics, one notification per dedup key and throttle window, counting the rest. */
export const logRouteRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('route'),
    topics: z.array(nameSchema).min(1).max(20),
    severity: z.enum(severities).default('error'),
    /** The notification's title; `{field}` takes an event field or `$.json.path` of the message (docs/logs.md). */
    title: z.string().min(1).max(512).default('{group}: {message}'),
    /** What makes two matches the same problem; the route's name alone when omitted. Templated as `title`. */
    dedupKey: z.string().min(1).max(255).optional(),
    /** At most one notification per dedup key in this window; later matches are counted into the next one. */
    throttle: durationSchema(0, 86_400_000, 'throttle').default(300_000),
    /** Lines kept in a notification: the first and the last this many. */
    sampleLines: z.number().int().min(0).max(50).default(5),
    /** Stop the route (its circuit breaker) when it sends more than this many notifications a minute. */
    maxPerMinute: z.number().int().min(1).max(10_000).default(60),
  })
  .strict();

/** A metric filter: each match adds `value` (a number, or `$.field`/`$name` of the pattern) to a metric. */
export const logMetricFilterRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('metric_filter'),
    namespace: z.string().min(1).max(255),
    metricName: z.string().min(1).max(255),
    /** A number, or a selector (`$.latency`, a space-delimited `$bytes`) whose value is taken; 1 by default. */
    value: z.union([z.number().finite(), z.string().min(2).max(256)]).default(1),
    /** Emitted (as CloudWatch does) for a batch with no match; nothing when omitted. */
    defaultValue: z.number().finite().optional(),
    /** Dimension name to selector (`$.region`, `$ip`), at most 3 as in CloudWatch. */
    dimensions: z.record(z.string().min(1).max(255), z.string().min(2).max(256)).default({}),
    unit: z.string().min(1).max(32).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (Object.keys(r.dimensions).length > 3)
      ctx.addIssue({ code: 'custom', path: ['dimensions'], message: 'at most 3 dimensions' });
    if (Object.keys(r.dimensions).length > 0 && r.defaultValue !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['defaultValue'],
        message: 'not allowed with dimensions (as in CloudWatch)',
      });
  });

/** A log alarm: ALARM when, in `evaluationPeriods` windows of `period`, matches reach `threshold`. */
export const logAlarmRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('alarm'),
    /** `count`: matches in a period ≥ threshold; `ratio`: matches as % of all lines ≥ threshold. */
    measure: z.enum(['count', 'ratio']).default('count'),
    threshold: z.number().finite().min(0),
    /** For `ratio`: periods with fewer lines than this do not alarm (they count as not breaching). */
    minCount: z.number().int().min(0).default(1),
    period: durationSchema(60_000, 86_400_000, 'period').default(300_000),
    evaluationPeriods: z.number().int().min(1).max(100).default(1),
    datapointsToAlarm: z.number().int().min(1).max(100).optional(),
    /** Topics told of ALARM and of the return to OK; the notification carries sample lines and a query link. */
    alarmActions: z.array(nameSchema).max(20).default([]),
    okActions: z.array(nameSchema).max(20).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    // Its alarm in the alarm engine is `log.<name>`, under the 128 characters of a name.
    if (r.name.length > 124)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'at most 124 characters for an alarm rule' });
    if (r.period % 60_000 !== 0)
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'must be a whole number of minutes' });
    if (r.datapointsToAlarm !== undefined && r.datapointsToAlarm > r.evaluationPeriods)
      ctx.addIssue({
        code: 'custom',
        path: ['datapointsToAlarm'],
        message: `must not be more than evaluationPeriods (${r.evaluationPeriods})`,
      });
  });

export const logRuleInputSchema = z.discriminatedUnion('kind', [
  logRouteRuleSchema,
  logMetricFilterRuleSchema,
  logAlarmRuleSchema,
]);

export type LogRuleSpec = z.infer<typeof logRuleInputSchema>;
export type LogRouteRule = z.infer<typeof logRouteRuleSchema>;
export type LogMetricFilterRule = z.infer<typeof logMetricFilterRuleSchema>;
export type LogAlarmRule = z.infer<typeof logAlarmRuleSchema>;

/** `POST /api/log-rules/test`: a pattern tried on lines pasted in the rule editor. */
export const logPatternTestSchema = z
  .object({
    pattern: z.string().max(1024),
    lines: z.array(z.string().max(logLimits.messageBytes)).min(1).max(1000),
  })
  .strict();

/** `GET /api/logs/query`'s parameters. */
export const logQuerySchema = z
  .object({
    group: logGroupNameSchema,
    /** Epoch ms or ISO time; an hour ago by default. */
    start: z.string().optional(),
    /** Epoch ms or ISO time; now by default. */
    end: z.string().optional(),
    pattern: z.string().max(1024).default(''),
    limit: z.coerce.number().int().min(1).max(10_000).default(100),
    /** Newest first by default. */
    order: z.enum(['desc', 'asc']).default('desc'),
    /** The `next` of the previous page. */
    cursor: z.string().max(512).optional(),
    /** Only events of this severity number (1–24, as OTLP's) or higher. */
    minLevel: z.coerce.number().int().min(0).max(24).optional(),
  })
  .strict();
