import { z } from 'zod';
import { durationSchema } from './duration.js';
import { nameSchema, tagsSchema } from './topic.js';

const DAY = 86_400_000;

/**
 * A heartbeat (dead man's switch) in an API body or config file. The
 * schedule is `period` + `grace`, or `cron` + `timezone` + `grace`. The
 * cron expression and time zone are checked by the server.
 */
export const heartbeatInputSchema = z
  .object({
    name: nameSchema,
    /** For ping URLs by ping key: lower-case letters, digits, dashes and underscores; the name by default. */
    slug: z.string().regex(/^[a-z0-9_-]{1,100}$/, 'lower-case letters, digits, - and _').optional(),
    description: z.string().max(1024).optional(),
    period: durationSchema(60_000, 365 * DAY, 'period').optional(),
    cron: z.string().min(1).max(200).optional(),
    timezone: z.string().default('UTC'),
    /** How long after the expected time a missing ping is an alert. */
    grace: durationSchema(60_000, 365 * DAY, 'grace'),
    /** A started run not finished by then fails as "ran too long". */
    maxRuntime: durationSchema(1_000, 7 * DAY, 'max runtime').optional(),
    /** A run finished sooner fails as "ran too short". */
    minRuntime: durationSchema(1_000, 7 * DAY, 'min runtime').optional(),
    /**
     * A success that comes more than this much before the expected time is a
     * bad run, "ran too often"; `true` is half the period (or of the time
     * between two cron runs).
     */
    tooOften: z.union([z.boolean(), durationSchema(1_000, 365 * DAY, 'duration')]).optional(),
    /** Alert on the N-th bad run in a row. */
    failureTolerance: z.number().int().min(1).max(100).default(1),
    /** When set, pings do not lift a pause; only resume does. */
    manualResume: z.boolean().default(false),
    /** Also publish heartbeat.late when the expected time passes. */
    alertWhenLate: z.boolean().default(false),
    topics: z.array(nameSchema).default([]),
    tags: tagsSchema.default({}),
    paused: z.boolean().default(false),
  })
  .strict()
  .superRefine((h, ctx) => {
    if ((h.period === undefined) === (h.cron === undefined)) {
      ctx.addIssue({ code: 'custom', path: [h.cron === undefined ? 'period' : 'cron'], message: 'give either period (every N) or cron (at set times), not both or neither' });
    }
    if (h.minRuntime !== undefined && h.maxRuntime !== undefined && h.minRuntime >= h.maxRuntime) {
      ctx.addIssue({ code: 'custom', path: ['minRuntime'], message: 'must be shorter than maxRuntime' });
    }
  });

export type HeartbeatSpec = z.infer<typeof heartbeatInputSchema>;
