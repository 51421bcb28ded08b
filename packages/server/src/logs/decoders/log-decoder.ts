/**
 * The one interface of the ingest decoders: a body and its headers in, the
 * events of the model and the rejected ones (with their position and why)
 * out. Decoders are pure: no I/O, the time comes in the context. A body that
 * is not the format at all (not JSON, not protobuf) throws a TocsinError
 * `bad_request` naming the problem, and nothing of it is taken; a body whose
 * events are partly bad keeps the good ones.
 *
 * Content-Encoding (gzip) is the route's: decoders get the decoded bytes.
 * Loki's snappy is part of its protobuf format, so its decoder undoes it.
 */
import { type LogEvent, logEventProblem } from '@tocsin/protocol';
import { TocsinError } from '../../core/errors.js';

export const logFormats = ['tocsin-ndjson', 'otlp-logs', 'loki-push'] as const;
export type LogFormat = (typeof logFormats)[number];

/** Request headers, lowercase names (as node:http and Hono give them). */
export type LogHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface RejectedEvent {
  /** The event's position in the body, from 0, in the format's own order (lines, array elements, log records). */
  index: number;
  /** The 1-based line of the body, for line-oriented formats (NDJSON). */
  line?: number;
  reason: string;
}

export interface DecodeResult {
  events: LogEvent[];
  rejected: RejectedEvent[];
}

export interface DecodeContext {
  /** The time of receipt (epoch ms): the observed time, and the time of events that carry none. */
  now: number;
  /** The most bytes a body may decompress to inside its format (Loki's snappy); unbounded when absent. */
  maxBytes?: number;
}

export interface LogDecoder {
  readonly format: LogFormat;
  decode(body: Buffer | string, headers: LogHeaders, context: DecodeContext): DecodeResult;
}

/** The header that names the group of every event in the body, over each format's default. */
export const GROUP_HEADER = 'x-tocsin-log-group';

/** A header's value (the first when repeated), trimmed; undefined when absent or empty. */
export function headerOf(headers: LogHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = (typeof v === 'string' ? v : v?.[0])?.trim();
  return s ? s : undefined;
}

/** The media type of Content-Type, lowercase, without parameters. */
export function mediaTypeOf(headers: LogHeaders): string {
  return (headerOf(headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
}

/** Whether the body is protobuf by its Content-Type (`application/x-protobuf`, or `application/protobuf`). */
export function isProtobuf(headers: LogHeaders): boolean {
  const t = mediaTypeOf(headers);
  return t === 'application/x-protobuf' || t === 'application/protobuf';
}

export function bodyText(body: Buffer | string): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

export function bodyBytes(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** The error of a body that is not its format at all (the route answers 400 with the message). */
export function badBody(format: string, problem: string): TocsinError {
  return new TocsinError('bad_request', `not a ${format} body: ${problem}`);
}

/** The body parsed as JSON, or a `bad_request` that says where it broke. */
export function parseJsonBody(format: string, body: Buffer | string): unknown {
  try {
    return JSON.parse(bodyText(body));
  } catch (err) {
    throw badBody(format, `invalid JSON (${(err as Error).message})`);
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects a decode's outcome: an event that breaks a limit is rejected with the limit's reason. */
export class DecodeCollector implements DecodeResult {
  readonly events: LogEvent[] = [];
  readonly rejected: RejectedEvent[] = [];

  take(event: LogEvent, index: number, line?: number): void {
    const problem = logEventProblem(event);
    if (problem) this.reject(index, problem, line);
    else this.events.push(event);
  }

  reject(index: number, reason: string, line?: number): void {
    this.rejected.push(line === undefined ? { index, reason } : { index, line, reason });
  }

  result(): DecodeResult {
    return { events: this.events, rejected: this.rejected };
  }
}

/** Nanoseconds since the epoch (a decimal string, number or { low, high }) as whole ms; undefined when not a time. */
export function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'string') {
    if (!/^\d{1,20}$/.test(v)) return undefined;
    // Cut, not rounded through a double: 19 digits do not fit one exactly.
    return v.length > 6 ? Number(v.slice(0, -6)) : 0;
  }
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v / 1e6);
  // { low, high } (long.js), as older OpenTelemetry JS exporters wrote fixed64 in JSON.
  if (isRecord(v) && typeof v.low === 'number' && typeof v.high === 'number' && v.high >= 0)
    return Math.floor(((v.high >>> 0) * 4294967296 + (v.low >>> 0)) / 1e6);
  return undefined;
}
