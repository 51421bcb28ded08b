import { z } from 'zod';

export const severities = ['critical', 'error', 'warning', 'info', 'ok'] as const;
export type Severity = (typeof severities)[number];

const tagsSchema = z.record(z.string(), z.string());

export const eventSourceSchema = z.object({
  type: z.string().min(1).max(64),
  name: z.string().min(1).max(256),
  tags: tagsSchema.default({}),
});

/**
 * What a caller gives to publish an event. Everything Tocsin emits (monitor
 * transitions, heartbeats, alarms, log matches, command runs) has this shape.
 */
const kindSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'kind is dotted lower-case words, such as monitor.down');

export const eventInputSchema = z.object({
  kind: kindSchema,
  severity: z.enum(severities).default('info'),
  source: eventSourceSchema.default({ type: 'manual', name: 'api', tags: {} }),
  title: z.string().min(1).max(512),
  text: z.string().max(65536).default(''),
  attributes: z.record(z.string(), z.unknown()).default({}),
  /** Ties a problem to its resolution (PagerDuty dedup_key); defaults to the event id. */
  dedupKey: z.string().min(1).max(255).optional(),
  /** Epoch milliseconds; defaults to the time of publishing. */
  time: z.number().int().nonnegative().optional(),
});

export type EventInput = z.input<typeof eventInputSchema>;

/** The body of `POST /api/topics/{name}/publish`: an event whose kind defaults to `test`, as `tocsin publish` does. */
export const publishInputSchema = eventInputSchema.extend({ kind: kindSchema.default('test') });

export const eventSchema = eventInputSchema.extend({
  id: z.string(),
  topic: z.string(),
  time: z.number().int(),
  dedupKey: z.string(),
});

export type TocsinEvent = z.infer<typeof eventSchema>;
