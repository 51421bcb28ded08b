import { z } from 'zod';
import { commandTargetsSchema } from './agent.js';
import { durationSchema } from './duration.js';
import { headersSchema, httpUrlSchema, nameSchema, retryPolicySchema, webhookSecretSchema } from './topic.js';

const dimensionName = z.string().min(1).max(255);

/** One datum of CloudWatch's PutMetricData: a value, values with counts, or a statistic set. */
export const metricDatumSchema = z
  .object({
    MetricName: z.string().min(1).max(255),
    Dimensions: z
      .array(z.object({ Name: dimensionName, Value: z.string().min(1).max(1024) }).strict())
      .max(30)
      .optional(),
    /** ISO time or epoch seconds; now when omitted. */
    Timestamp: z.union([z.iso.datetime({ offset: true }), z.number()]).optional(),
    Value: z.number().finite().optional(),
    Values: z.array(z.number().finite()).max(150).optional(),
    Counts: z.array(z.number().positive()).max(150).optional(),
    StatisticValues: z
      .object({ SampleCount: z.number().positive(), Sum: z.number(), Minimum: z.number(), Maximum: z.number() })
      .strict()
      .optional(),
    Unit: z.string().max(32).optional(),
    StorageResolution: z.union([z.literal(1), z.literal(60)]).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const given = [d.Value !== undefined, d.Values !== undefined, d.StatisticValues !== undefined].filter(
      Boolean,
    ).length;
    if (given !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['Value'],
        message: 'give exactly one of Value, Values or StatisticValues',
      });
    if (d.Counts && (!d.Values || d.Counts.length !== d.Values.length))
      ctx.addIssue({ code: 'custom', path: ['Counts'], message: 'Counts needs Values of the same length' });
    if (d.StatisticValues && d.StatisticValues.Minimum > d.StatisticValues.Maximum)
      ctx.addIssue({ code: 'custom', path: ['StatisticValues', 'Minimum'], message: 'must not be more than Maximum' });
  });

/** The body of POST /api/metrics: the shape of CloudWatch's PutMetricData. */
export const putMetricDataSchema = z
  .object({
    Namespace: z.string().min(1).max(255),
    MetricData: z.array(metricDatumSchema).min(1).max(1000),
  })
  .strict();

export type PutMetricData = z.infer<typeof putMetricDataSchema>;

export const comparisonOperators = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export const treatMissingDataValues = ['missing', 'ignore', 'breaching', 'notBreaching'] as const;

export const statisticSchema = z
  .string()
  .refine(
    (s) => /^(SampleCount|Sum|Average|Minimum|Maximum|p(\d{1,2}(\.\d{1,2})?|100))$/.test(s),
    'SampleCount, Sum, Average, Minimum, Maximum or a percentile such as p99 or p99.9',
  );

/**
 * A webhook the alarm calls itself (no topic in between), validated as a
 * webhook subscription is: `url` is its `endpoint`. It goes through the
 * outbox like any delivery: retried, dead-lettered, replayable.
 */
export const webhookActionSchema = z
  .object({
    // Optional only to the parser, required by the check below: a missing URL is then reported at
    // `webhook.url`, where a type error would make the action union say only "not an action".
    url: httpUrlSchema.optional(),
    headers: headersSchema.optional(),
    secret: webhookSecretSchema.optional(),
    retry: retryPolicySchema.optional(),
  })
  .strict()
  .refine((w) => w.url !== undefined, { path: ['url'], message: 'required: the http:// or https:// URL to call' });

const shareSchema = z.union([
  z.number().int().min(1),
  z.string().regex(/^\d{1,3}%$/, 'a number, or a share such as 10%'),
]);

/**
 * Runs a command on hosts (fleet/command-*.ts) when the alarm enters the state: on the targets given, or, without
 * them, on the host the alarm is about (its `InstanceId` dimension). The run is verified and audited as any other.
 */
export const runCommandActionSchema = z
  .object({
    command: z.string().min(1, 'required: the command to run').max(65_536),
    targets: commandTargetsSchema.optional(),
    expected: z.number().int().min(0).max(100_000).optional(),
    group: nameSchema.optional(),
    maxConcurrency: shareSchema.optional(),
    maxErrors: z.union([z.number().int().min(0), z.string().regex(/^\d{1,3}%$/)]).optional(),
    executionTimeout: durationSchema(1000, 2 * 86_400_000, 'timeout').optional(),
    topics: z.array(nameSchema).max(20).optional(),
  })
  .strict();
export type RunCommandAction = z.infer<typeof runCommandActionSchema>;

const ACTION_HINT = 'an action: {topic: NAME}, "topic:NAME", {webhook: {url: URL}} or {runCommand: {command: CMD}}';
const actionSchema = z.union(
  [
    z.object({ topic: nameSchema }).strict(),
    z.object({ webhook: webhookActionSchema }).strict(),
    z.object({ runCommand: runCommandActionSchema }).strict(),
    z.string().regex(/^topic:[A-Za-z0-9._-]+$/, ACTION_HINT),
  ],
  { error: ACTION_HINT },
);

export type WebhookAction = z.infer<typeof webhookActionSchema> & { url: string };
export type AlarmAction = z.infer<typeof actionSchema>;

/** A metric alarm, field for field as CloudWatch has it (camelCase). */
export const alarmInputSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(1024).optional(),
    namespace: z.string().min(1).max(255),
    metricName: z.string().min(1).max(255),
    dimensions: z.record(dimensionName, z.string()).default({}),
    statistic: statisticSchema,
    /** 10, 20 or 30 seconds, or a multiple of 60 seconds. */
    period: durationSchema(10_000, 86_400_000, 'period').refine(
      (ms) => ms === 10_000 || ms === 20_000 || ms === 30_000 || ms % 60_000 === 0,
      'must be 10s, 20s, 30s or a multiple of 60s',
    ),
    evaluationPeriods: z.number().int().min(1).max(100),
    datapointsToAlarm: z.number().int().min(1).max(100).optional(),
    threshold: z.number().finite(),
    comparisonOperator: z.enum(comparisonOperators, { error: `one of ${comparisonOperators.join(', ')}` }),
    treatMissingData: z
      .enum(treatMissingDataValues, { error: `one of ${treatMissingDataValues.join(', ')}` })
      .default('missing'),
    actionsEnabled: z.boolean().default(true),
    alarmActions: z.array(actionSchema).default([]),
    okActions: z.array(actionSchema).default([]),
    insufficientDataActions: z.array(actionSchema).default([]),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.datapointsToAlarm !== undefined && a.datapointsToAlarm > a.evaluationPeriods) {
      ctx.addIssue({
        code: 'custom',
        path: ['datapointsToAlarm'],
        message: `must not be more than evaluationPeriods (${a.evaluationPeriods})`,
      });
    }
  });

export type MetricAlarmSpec = z.infer<typeof alarmInputSchema>;

/**
 * A composite alarm: ALARM while its rule over other alarms holds, else OK.
 * While its actions suppressor is in ALARM (or left it less than the
 * extension period ago) its actions are suppressed; with a wait period, its
 * actions wait that long for the suppressor to go into ALARM.
 */
export const compositeAlarmInputSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(1024).optional(),
    rule: z.string().min(1).max(10_240),
    actionsEnabled: z.boolean().default(true),
    alarmActions: z.array(actionSchema).default([]),
    okActions: z.array(actionSchema).default([]),
    insufficientDataActions: z.array(actionSchema).default([]),
    actionsSuppressor: nameSchema.optional(),
    actionsSuppressorWaitPeriod: durationSchema(0, 86_400_000, 'wait period').optional(),
    actionsSuppressorExtensionPeriod: durationSchema(0, 86_400_000, 'extension period').optional(),
  })
  .strict();

export type CompositeAlarmSpec = z.infer<typeof compositeAlarmInputSchema>;
export type AlarmSpec = MetricAlarmSpec | CompositeAlarmSpec;

export function isComposite(spec: AlarmSpec): spec is CompositeAlarmSpec {
  return 'rule' in spec;
}
/**
 * A group: the monitors with these tags, expected to be `expectedSize` strong; its healthy count becomes a metric
 * each minute.
 */
export const groupInputSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(1024).optional(),
    selector: z.record(z.string().min(1), z.string()).refine((s) => Object.keys(s).length > 0, 'at least one tag'),
    expectedSize: z.number().int().min(1).max(100_000),
  })
  .strict();

export type GroupSpec = z.infer<typeof groupInputSchema>;
