import { z } from 'zod';
import { durationSchema } from './duration.js';
import {
  dnsProbeSchema,
  httpProbeSchema,
  objectProbeSchema,
  probeSpecSchema,
  tcpProbeSchema,
  tlsProbeSchema,
} from './monitor-probes.js';
import { tagSelectorSchema } from './agent.js';
import { nameSchema, tagsSchema } from './topic.js';

/** `2` locations, or `60%` of the locations asked (rounded up). */
export const quorumSchema = z.union([
  z
    .number({ error: 'a number of locations, or a share such as 60%' })
    .int('a whole number of locations')
    .min(1)
    .max(10_000),
  z
    .string()
    .regex(/^\d{1,3}%$/, 'a number of locations, or a share such as 60%')
    .refine((v) => {
      const n = Number.parseInt(v, 10);
      return n >= 1 && n <= 100;
    }, 'a share from 1% to 100%'),
]);
export type Quorum = z.infer<typeof quorumSchema>;

/**
 * Where a monitor is checked from: the server itself (unless `includeServer` is false) and every connected
 * agent with the selector's tags that allows probes. The check fails when `quorum` locations (a majority by
 * default) report a failure; docs/monitors.md gives the whole rule.
 */
export const monitorLocationsSchema = z
  .object({
    agents: tagSelectorSchema,
    includeServer: z.boolean().default(true),
    quorum: quorumSchema.optional(),
  })
  .strict();
export type MonitorLocations = z.output<typeof monitorLocationsSchema>;

/**
 * The settings every monitor has, whatever its probe type. A monitor in an
 * API body or config file is these fields and its probe's fields side by
 * side (`type: http`, `url: …`).
 */
export const monitorCommonShape = {
  name: nameSchema,
  description: z.string().max(1024).optional(),
  /** How often to check; at least 5 s. */
  interval: durationSchema(5_000, 86_400_000, 'interval').default(60_000),
  /** How long one check may take; at most the interval. */
  timeout: durationSchema(100, 120_000, 'timeout').optional(),
  /** Failed checks in a row before DOWN. */
  failureThreshold: z.number().int().min(1).max(100).default(1),
  /** Good checks in a row before UP again. */
  successThreshold: z.number().int().min(1).max(100).default(1),
  /** Check again this soon while failing but not yet DOWN (and while recovering). */
  retryInterval: durationSchema(1_000, 86_400_000, 'retry interval').optional(),
  /** Repeat the down notification this often while DOWN; off by default. */
  reminder: durationSchema(60_000, 7 * 86_400_000, 'reminder interval').optional(),
  topics: z.array(nameSchema).default([]),
  tags: tagsSchema.default({}),
  paused: z.boolean().default(false),
  /** Check from agents too (by tag), with a quorum of failing locations for a failed check. */
  locations: monitorLocationsSchema.optional(),
};

export const monitorCommonKeys = Object.keys(monitorCommonShape) as (keyof typeof monitorCommonShape)[];

export const monitorCommonSchema = z.object(monitorCommonShape).strict();

export type MonitorCommon = z.infer<typeof monitorCommonSchema>;

/**
 * For documentation (OpenAPI) only: a monitor body is the common fields and
 * one probe type's fields side by side, one branch per probe type. Bodies
 * are checked by monitorInputSchema, whose errors name each field.
 */
function monitorDocSchema(nameRequired: boolean) {
  const common = { ...monitorCommonShape, name: nameRequired ? nameSchema : nameSchema.optional() };
  const branch = <S extends z.ZodRawShape>(probe: z.ZodObject<S>, more: z.ZodRawShape = {}) =>
    z.object({ ...common, ...probe.shape, ...more }).strict();
  // Any JSON value: z.json() is recursive, which the document cannot show.
  const jsonEquals = z.unknown().optional().describe('the JSON value found at jsonPath must equal this');
  return z.discriminatedUnion('type', [
    branch(httpProbeSchema, { jsonEquals }),
    branch(tcpProbeSchema),
    branch(dnsProbeSchema),
    branch(tlsProbeSchema),
    branch(objectProbeSchema),
  ]);
}

export const monitorInputDocSchema = monitorDocSchema(true);

/** The body of `PUT /api/monitors/{name}`: as a new monitor's, the name coming from the path. */
export const monitorPutDocSchema = monitorDocSchema(false);

/** A one-off or recurring maintenance window; while open, monitors it covers announce nothing. */
export const maintenanceInputSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(1024).optional(),
    /** Monitors by name. */
    monitors: z.array(nameSchema).default([]),
    /** Monitors having all these tags. */
    tags: tagsSchema.optional(),
    /** One-off: ISO times. */
    start: z.iso
      .datetime({ offset: true, error: 'an ISO 8601 time with offset, such as 2026-12-01T02:00:00+09:00' })
      .optional(),
    end: z.iso
      .datetime({ offset: true, error: 'an ISO 8601 time with offset, such as 2026-12-01T04:00:00+09:00' })
      .optional(),
    /** Recurring: a cron expression (5 fields) in `timezone`, open for `duration`. */
    cron: z.string().optional(),
    timezone: z.string().default('UTC'),
    duration: durationSchema(60_000, 7 * 86_400_000, 'duration').optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const oneOff = w.start !== undefined || w.end !== undefined;
    const recurring = w.cron !== undefined || w.duration !== undefined;
    if (oneOff === recurring)
      ctx.addIssue({
        code: 'custom',
        path: ['start'],
        message: 'give either start and end (one-off) or cron and duration (recurring)',
      });
    if (oneOff && (!w.start || !w.end))
      ctx.addIssue({
        code: 'custom',
        path: [w.start ? 'end' : 'start'],
        message: 'a one-off window needs both start and end',
      });
    if (oneOff && w.start && w.end && Date.parse(w.end) <= Date.parse(w.start))
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    if (recurring && (!w.cron || !w.duration))
      ctx.addIssue({
        code: 'custom',
        path: [w.cron ? 'duration' : 'cron'],
        message: 'a recurring window needs both cron and duration',
      });
    if (w.monitors.length === 0 && !w.tags)
      ctx.addIssue({ code: 'custom', path: ['monitors'], message: 'name the monitors, or tags that select them' });
  });

export type MaintenanceSpec = z.infer<typeof maintenanceInputSchema>;

/**
 * A monitor as a whole (common fields and probe fields side by side),
 * checked field by field so each problem keeps its path. Used by the config
 * file loader; the server parses the same way.
 */
export function splitMonitorInput(value: Record<string, unknown>): {
  common: Record<string, unknown>;
  probe: Record<string, unknown>;
} {
  const common: Record<string, unknown> = {};
  const probe: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) ((monitorCommonKeys as string[]).includes(k) ? common : probe)[k] = v;
  return { common, probe };
}

export const monitorInputSchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const { common, probe } = splitMonitorInput(value);
  const c = monitorCommonSchema.safeParse(common);
  // Issues pass on as they are (an unknown key keeps its code and name, for the config file's "did you mean").
  if (!c.success) for (const issue of c.error.issues) ctx.addIssue({ ...issue });
  if (probe.type === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      message: 'the probe type is required: http, tcp, dns, tls or object',
    });
    return;
  }
  const p = probeSpecSchema.safeParse(probe);
  if (!p.success) for (const issue of p.error.issues) ctx.addIssue({ ...issue });
});
