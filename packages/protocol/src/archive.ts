import { z } from 'zod';
import { durationSchema } from './duration.js';
import { logGroupNameSchema } from './log-rule.js';
import { s3LocationSchema } from './object-store.js';
import { nameSchema } from './topic.js';

/** A directory on this node's disk: parts are written to a temporary name and renamed. */
export const directoryDestinationSchema = z
  .object({ type: z.literal('directory'), path: z.string().min(1).max(4096) })
  .strict();

export const s3DestinationSchema = z.object({ type: z.literal('s3'), ...s3LocationSchema.shape }).strict();

export const archiveDestinationSchema = z.discriminatedUnion('type', [directoryDestinationSchema, s3DestinationSchema]);

/** A group name, or a pattern with `*` (any run of characters): `/aws/lambda/*`. */
export const groupSelectorSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_.\-/#*]+$/, 'a log group name, or a pattern with * (letters, digits and _ . - / # *)');

/**
 * An archive job: every whole day (in `timezone`) of its log groups, exported as gzip NDJSON parts and a
 * manifest under `<prefix>/<group>/<YYYY-MM-DD>/`. It runs on `schedule` (cron in `timezone`; 00:00 by default),
 * exports each day that has ended and is not archived yet, and catches up on days missed while down.
 */
export const archiveJobInputSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(1024).optional(),
    groups: z.array(groupSelectorSchema).min(1, 'at least one log group or pattern'),
    /** IANA time zone of the days and the schedule. */
    timezone: z.string().min(1).default('UTC'),
    /** Cron (5 fields) in `timezone`. */
    schedule: z.string().min(1).default('0 0 * * *'),
    destination: archiveDestinationSchema,
    /** The first day to archive; by default the day before the job was created. */
    since: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day written YYYY-MM-DD')
      .optional(),
    /** Uncompressed bytes of NDJSON per part before the next one starts. */
    partSize: z
      .number()
      .int()
      .min(1024)
      .max(8 * 1024 ** 3)
      .default(256 * 1024 ** 2),
    /** Topics that hear `archive.failed` (and, with `notifyOnSuccess`, `archive.succeeded`). */
    topics: z.array(nameSchema).default([]),
    notifyOnSuccess: z.boolean().default(false),
    /** How long a failed day waits before it is tried again, doubling up to `retryMax`. */
    retryAfter: durationSchema(1000, 86_400_000, 'retry delay').default(60_000),
    retryMax: durationSchema(1000, 7 * 86_400_000, 'maximum retry delay').default(3_600_000),
    paused: z.boolean().default(false),
  })
  .strict();

export type ArchiveJobInput = z.input<typeof archiveJobInputSchema>;
export type ArchiveJobSpec = z.infer<typeof archiveJobInputSchema>;
export type ArchiveDestination = z.infer<typeof archiveDestinationSchema>;

/** What a day's manifest (`manifest.json`) holds, beside its parts. */
export interface ArchiveManifest {
  job: string;
  group: string;
  day: string;
  timezone: string;
  /** The day's bounds, ISO 8601 with offset: a DST day is 23 or 25 hours. */
  start: string;
  end: string;
  lines: number;
  firstTime?: string;
  lastTime?: string;
  /** Uncompressed NDJSON bytes and stored (gzip) bytes. */
  rawBytes: number;
  storedBytes: number;
  parts: { name: string; lines: number; rawBytes: number; storedBytes: number; sha256: string }[];
  writtenAt: string;
  writtenBy: string;
}

export const archiveRunInputSchema = z
  .object({
    from: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day written YYYY-MM-DD')
      .optional(),
    to: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day written YYYY-MM-DD')
      .optional(),
    /** Only these groups of the job (names). */
    groups: z.array(logGroupNameSchema).optional(),
  })
  .strict();
