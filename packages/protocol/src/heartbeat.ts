import { z } from 'zod';
import { parseDuration } from './duration.js';
import { nameSchema, tagsSchema } from './topic.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 86_400_000;

function printMs(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['d', DAY],
    ['h', 3_600_000],
    ['m', MINUTE],
    ['s', SECOND],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** A duration (`90s`, `5m`, `1h30m`, or seconds as a number) between min and max, parsed to milliseconds. */
function span(min: number, max: number, what: string, zero?: string) {
  const example = `a ${what} such as 30s, 5m or 1h`;
  return z
    .union([z.string(), z.number()], {
      error: (issue) => (issue.input === undefined ? `required: ${example}` : example),
    })
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${example} (got '${value}')` });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        const why = ms === 0 && zero ? `; ${zero}` : '';
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${printMs(min)} and ${printMs(max)} (got ${printMs(ms)})${why}`,
        });
        return z.NEVER;
      }
      return ms;
    });
}

/**
 * A heartbeat (dead man's switch) in an API body or config file. The
 * schedule is `period` + `grace`, or `cron` + `timezone` + `grace`; the
 * server checks the cron expression and the time zone, which need a cron
 * library and the runtime's time-zone data.
 */
export const heartbeatInputSchema = z
  .object({
    name: nameSchema,
    /**
     * For ping URLs by ping key: lower-case letters, digits, - and _ (Healthchecks' slugs); the server derives it
     * from the name when absent.
     */
    slug: z
      .string()
      .regex(/^[a-z0-9_-]{1,100}$/, 'lower-case letters, digits, - and _ (at most 100)')
      .optional(),
    description: z.string().max(1024).optional(),
    /** A free-text name to show (a Healthchecks check's name, which may hold spaces); `name` stays the key. */
    displayName: z.string().max(256).optional(),
    /** A run is expected this long after the last one. */
    period: span(MINUTE, 365 * DAY, 'period').optional(),
    /**
     * A run is expected at each time of this 5-field expression (minute hour day-of-month month day-of-week), or of
     * @hourly, @daily, @weekly, @monthly, @yearly.
     */
    cron: z.string().min(1).max(200).optional(),
    /** The IANA time zone of `cron`, such as Asia/Tokyo. */
    timezone: z.string().min(1).max(64).default('UTC'),
    /** How long after the expected time a run may still arrive; after that it is missed. */
    grace: span(MINUTE, 365 * DAY, 'grace', 'a grace of zero would report every run missed the moment it is due'),
    /** A started run not finished by then fails as "ran too long" (without it, a started run has the grace). */
    maxRuntime: span(SECOND, 7 * DAY, 'maximum run time').optional(),
    /** A run finished sooner after its start fails as "ran too short". */
    minRuntime: span(SECOND, 7 * DAY, 'minimum run time').optional(),
    /**
     * "Ran too often": once the heartbeat has had a good run, a success that
     * arrives more than this long before the time the next run is expected
     * (the next scheduled time after the last settled run: last run + period,
     * or the next cron time after it) is a bad run and leaves that run still
     * expected. `true` is half the usual gap between runs; false or absent:
     * off.
     */
    tooOften: z.union([z.boolean(), span(SECOND, 365 * DAY, 'duration')]).optional(),
    /** Alert on the N-th bad run in a row (missed, failed, too long, too short, too often). */
    failureTolerance: z.number().int().min(1).max(100).default(1),
    /** When set, pings do not lift a pause; only resume does. */
    manualResume: z.boolean().default(false),
    /** Also publish heartbeat.late when the expected time passes with no ping. */
    alertWhenLate: z.boolean().default(false),
    topics: z.array(nameSchema).default([]),
    tags: tagsSchema.default({}),
    paused: z.boolean().default(false),
  })
  .strict()
  .superRefine((h, ctx) => {
    if ((h.period === undefined) === (h.cron === undefined)) {
      const both = h.period !== undefined;
      ctx.addIssue({
        code: 'custom',
        path: [both ? 'cron' : 'period'],
        message:
          `give either period or cron${both ? ', not both' : ''}: ` +
          'period (every N after the last run) or cron (at set times in a time zone)',
      });
    }
    if (h.minRuntime !== undefined && h.maxRuntime !== undefined && h.minRuntime >= h.maxRuntime) {
      ctx.addIssue({
        code: 'custom',
        path: ['minRuntime'],
        message: `must be shorter than maxRuntime (${printMs(h.minRuntime)} is not less than ${printMs(h.maxRuntime)})`,
      });
    }
  });

export type HeartbeatInput = z.input<typeof heartbeatInputSchema>;
export type HeartbeatSpec = z.infer<typeof heartbeatInputSchema>;
