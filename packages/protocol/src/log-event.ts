import { z } from 'zod';

/**
 * The one log event model every ingest format is mapped to (docs/logs.md has
 * the mapping of each format, field by field), its limits, and the input of
 * `POST /api/logs` (one event of an NDJSON body or a JSON array).
 */

/** The limits of one event; a decoder rejects an event over any of them with the limit's name in the reason. */
export const logLimits = {
  /** UTF-8 bytes of the message: Loki's default `max_line_size` and CloudWatch Logs' historical event size. */
  messageBytes: 262_144,
  /** Keys of `attributes` (and of `resource`), at the top level: OTel's AttributeCountLimit and Loki's default. */
  attributeCount: 128,
  /** UTF-8 bytes of `attributes` (and of `resource`) as JSON: Loki's default `max_structured_metadata_size`. */
  attributeBytes: 65_536,
  /** Nesting of objects and arrays inside `attributes` (and `resource`); `{ "a": { "b": 1 } }` is depth 2. */
  attributeDepth: 8,
  /** Characters of an attribute key. */
  attributeKeyLength: 256,
  /** Characters of `group` and of `stream`: CloudWatch Logs' limit on group and stream names. */
  nameLength: 512,
  /** Characters of `source`. */
  sourceLength: 256,
  /** Characters of `stage`. */
  stageLength: 64,
  /** Characters of `levelText`. */
  levelTextLength: 32,
} as const;

/** OTLP SeverityNumber ranges by short name: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24. */
export const severityNames = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

/** OTLP's short name of a severity number (`INFO`, `INFO2` … `FATAL4`); '' for 0 (unspecified) and out of range. */
export function severityName(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 24) return '';
  const step = (n - 1) % 4;
  return `${severityNames[Math.floor((n - 1) / 4)]}${step ? step + 1 : ''}`;
}

/**
 * Level words as the common loggers and syslog (RFC 5424) write them, to OTLP severity numbers; syslog's follow
 * the OpenTelemetry log data model's appendix (notice INFO2, critical ERROR2, alert ERROR3, emergency FATAL).
 */
const levelWords: Record<string, number> = {
  trace: 1,
  verbose: 1,
  debug: 5,
  dbug: 5,
  info: 9,
  information: 9,
  informational: 9,
  notice: 10,
  warn: 13,
  warning: 13,
  err: 17,
  error: 17,
  eror: 17,
  crit: 18,
  critical: 18,
  alert: 19,
  fatal: 21,
  panic: 21,
  emerg: 21,
  emergency: 21,
};

/**
 * The severity number of a level text: a word above in any case (`WARNING`, `err`), an OTLP short name with its
 * step (`ERROR2`), OTLP's enum name (`SEVERITY_NUMBER_WARN`) or a number 1–24 as text; 0 when it is none of them.
 */
export function severityOf(text: string): number {
  const cached = severityCache.get(text);
  if (cached !== undefined) return cached;
  const n = severityOfText(text);
  // Senders use a handful of level texts: a bounded cache spares the parse on every line.
  if (severityCache.size < 1024) severityCache.set(text, n);
  return n;
}

const severityCache = new Map<string, number>();

function severityOfText(text: string): number {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^severity_number_/, '');
  if (/^\d{1,2}$/.test(t)) {
    const n = Number(t);
    return n >= 1 && n <= 24 ? n : 0;
  }
  const m = /^([a-z]+)([234])?$/.exec(t);
  if (!m) return 0;
  // Own keys only: `constructor` or `toString` is not a level.
  const base = Object.hasOwn(levelWords, m[1]) ? levelWords[m[1]] : undefined;
  if (base === undefined) return 0;
  if (!m[2]) return base;
  const short = severityNames.indexOf(m[1].toUpperCase() as (typeof severityNames)[number]);
  return short < 0 ? 0 : short * 4 + Number(m[2]);
}

const hex = (length: number, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-f]{${length}}$`), `${what}: ${length} lowercase hexadecimal digits`)
    .refine((s) => !/^0+$/.test(s), `${what}: all zeros is not a valid id`);

export const traceIdSchema = hex(32, 'a trace id');
export const spanIdSchema = hex(16, 'a span id');

const epochMs = z.number().int().min(0);
const jsonRecord = z.record(z.string(), z.unknown());

/** One stored log event. Optional strings are absent, never empty. */
export const logEventSchema = z.object({
  /** When it happened (epoch ms). */
  time: epochMs,
  /** When a collector or Tocsin first saw it (epoch ms). */
  observedTime: epochMs,
  /** The log group: retention, queries and rules are per group. */
  group: z.string().min(1).max(logLimits.nameLength),
  /** The stream inside the group (an instance, a Loki label set, a Lambda's stream). */
  stream: z.string().min(1).max(logLimits.nameLength).optional(),
  /** The service or function that wrote it. */
  source: z.string().min(1).max(logLimits.sourceLength).optional(),
  /** The stage or environment (`prod`, `staging`). */
  stage: z.string().min(1).max(logLimits.stageLength).optional(),
  /** OTLP's severity number, 1–24; 0 when the source gave none. */
  level: z.number().int().min(0).max(24),
  /** The level as the source wrote it, else OTLP's short name of `level`; '' when unspecified. */
  levelText: z.string().max(logLimits.levelTextLength),
  message: z.string(),
  /** JSON values, nested up to `logLimits.attributeDepth`. */
  attributes: jsonRecord,
  traceId: traceIdSchema.optional(),
  spanId: spanIdSchema.optional(),
  /** What wrote it (OTLP's resource, Loki's labels). */
  resource: jsonRecord,
});

export type LogEvent = z.infer<typeof logEventSchema>;

/** One event of `POST /api/logs` (a line of NDJSON or an element of a JSON array). */
export const logEventInputSchema = z
  .object({
    /** Epoch milliseconds, or an ISO 8601 time with an offset; the time it was received when omitted. */
    time: z.union([epochMs, z.iso.datetime({ offset: true })]).optional(),
    /** The request's default group (the `X-Tocsin-Log-Group` header, else `default`) when omitted. */
    group: z.string().min(1).max(logLimits.nameLength).optional(),
    stream: z.string().min(1).max(logLimits.nameLength).optional(),
    source: z.string().min(1).max(logLimits.sourceLength).optional(),
    stage: z.string().min(1).max(logLimits.stageLength).optional(),
    /** A severity number 0–24, or a level word (`error`, `WARNING`, `INFO2`); unspecified (0) when omitted. */
    level: z.union([z.number().int().min(0).max(24), z.string().min(1).max(logLimits.levelTextLength)]).optional(),
    message: z.string(),
    attributes: jsonRecord.default({}),
    traceId: traceIdSchema.optional(),
    spanId: spanIdSchema.optional(),
    resource: jsonRecord.default({}),
  })
  .strict();

export type LogEventInput = z.input<typeof logEventInputSchema>;

/** The default group of events that name none, in every format, when no header or label gives one. */
export const DEFAULT_LOG_GROUP = 'default';

/** The stored event of a validated input: defaults filled, the level as number and text. */
export function logEventFromInput(
  input: z.output<typeof logEventInputSchema>,
  defaults: { now: number; group: string },
): LogEvent {
  const { time, level, group, ...rest } = input;
  const number = typeof level === 'number' ? level : level === undefined ? 0 : severityOf(level);
  const event: LogEvent = {
    ...rest,
    time: time === undefined ? defaults.now : typeof time === 'number' ? time : Date.parse(time),
    observedTime: defaults.now,
    group: group ?? defaults.group,
    level: number,
    levelText: typeof level === 'string' ? level : severityName(number),
  };
  return event;
}

/** UTF-8 bytes of a string, without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Walks a JSON value once, without allocating: returns its nesting depth (0 for a scalar, 1 for a flat object or
 * array; the walk stops past `limit`) and adds to `size.bound` an upper bound of its JSON text's UTF-8 bytes (6 a
 * character, as `\u0000` is, 24 a number), so that only a value near the byte limit costs a JSON.stringify.
 */
function walk(v: unknown, limit: number, size: { bound: number }): number {
  if (typeof v === 'string') {
    size.bound += 6 * v.length + 2;
    return 0;
  }
  if (v === null || typeof v !== 'object') {
    size.bound += 24;
    return 0;
  }
  if (limit <= 0) return 1;
  let deepest = 0;
  size.bound += 2;
  if (Array.isArray(v)) {
    for (const child of v) {
      size.bound += 1;
      deepest = Math.max(deepest, walk(child, limit - 1, size));
      if (deepest >= limit) break;
    }
  } else {
    const o = v as Record<string, unknown>;
    for (const k in o) {
      size.bound += 6 * k.length + 4;
      deepest = Math.max(deepest, walk(o[k], limit - 1, size));
      if (deepest >= limit) break;
    }
  }
  return deepest + 1;
}

function recordProblem(what: string, record: Record<string, unknown>): string | undefined {
  let count = 0;
  for (const k in record) {
    count++;
    if (k.length > logLimits.attributeKeyLength || k === '')
      return `${what}: a key empty or longer than attributeKeyLength (${logLimits.attributeKeyLength})`;
  }
  if (count === 0) return undefined;
  if (count > logLimits.attributeCount)
    return `${what}: ${count} keys, more than attributeCount (${logLimits.attributeCount})`;
  const size = { bound: 0 };
  if (walk(record, logLimits.attributeDepth, size) > logLimits.attributeDepth)
    return `${what}: nested deeper than attributeDepth (${logLimits.attributeDepth})`;
  if (size.bound > logLimits.attributeBytes && utf8Length(JSON.stringify(record)) > logLimits.attributeBytes)
    return `${what}: more than attributeBytes (${logLimits.attributeBytes}) as JSON`;
  return undefined;
}

/**
 * Why an event breaks a limit of `logLimits` (the reason a decoder rejects it with), or undefined when it keeps
 * them all. A hand check, not the zod schema: it runs on every ingested line.
 */
export function logEventProblem(e: LogEvent): string | undefined {
  if (!Number.isFinite(e.time) || e.time < 0) return 'time: not a valid time';
  if (!e.group || e.group.length > logLimits.nameLength)
    return `group: empty or longer than nameLength (${logLimits.nameLength})`;
  if (e.stream !== undefined && e.stream.length > logLimits.nameLength)
    return `stream: longer than nameLength (${logLimits.nameLength})`;
  if (e.source !== undefined && e.source.length > logLimits.sourceLength)
    return `source: longer than sourceLength (${logLimits.sourceLength})`;
  if (e.stage !== undefined && e.stage.length > logLimits.stageLength)
    return `stage: longer than stageLength (${logLimits.stageLength})`;
  if (e.levelText.length > logLimits.levelTextLength)
    return `level: longer than levelTextLength (${logLimits.levelTextLength})`;
  // A UTF-16 length over the limit in bytes/3 is over it for certain; the exact count only when it may be.
  if (e.message.length > logLimits.messageBytes / 3 && utf8Length(e.message) > logLimits.messageBytes)
    return `message: more than messageBytes (${logLimits.messageBytes})`;
  return recordProblem('attributes', e.attributes) ?? recordProblem('resource', e.resource);
}
