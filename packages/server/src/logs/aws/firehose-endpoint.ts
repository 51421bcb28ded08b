/**
 * Amazon Data Firehose's HTTP endpoint delivery protocol (version 1.0).
 *
 * Request: `POST` with `X-Amz-Firehose-Request-Id`,
 * `X-Amz-Firehose-Access-Key` (the caller checks it), optional
 * `Content-Encoding: gzip`, `X-Amz-Firehose-Source-Arn` and
 * `X-Amz-Firehose-Common-Attributes: {"commonAttributes":{…}}`; body
 * `{requestId, timestamp, records: [{data: base64}]}`.
 * Answer: 200 with exactly `{requestId, timestamp}`; any other status with
 * `{requestId, timestamp, errorMessage}` makes Firehose retry the request
 * (the request id stays the same between attempts).
 *
 * Each record is a CloudWatch Logs subscription payload (gzip or, with
 * Firehose's decompression on, plain JSON), decoded as
 * cloudwatch-subscription.ts does; any other record is NDJSON or text
 * lines, one event per non-empty line. A record that cannot be decoded is
 * rejected with its index and the reason; the others are kept.
 */
import { z } from 'zod';
import { TocsinError } from '../../core/errors.js';
import {
  base64Bytes,
  gunzipCapped,
  isGzip,
  looksLikeSubscriptionPayload,
  subscriptionBatch,
  subscriptionPayloadOf,
} from './cloudwatch-subscription.js';
import { type LogEventShape, levelOf, type RejectedInput } from './log-event-shape.js';

/** Firehose's largest buffer for HTTP endpoints is 64 MiB. */
export const MAX_FIREHOSE_BODY_BYTES = 64 * 1024 * 1024;

export type HeaderLookup = (name: string) => string | undefined;

export interface FirehoseRequest {
  requestId: string;
  /** X-Amz-Firehose-Access-Key as sent; undefined when absent. The caller compares it with its secret. */
  accessKey?: string;
  sourceArn?: string;
  /** The request's `timestamp` (epoch ms, when Firehose sent it). */
  timestamp: number;
  events: LogEventShape[];
  /** Records that were CloudWatch CONTROL_MESSAGEs (answered, nothing stored). */
  controlMessages: number;
  rejected: RejectedInput[];
}

const bodySchema = z.object({
  requestId: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  records: z.array(z.object({ data: z.string() })),
});

const commonAttributesSchema = z.object({ commonAttributes: z.record(z.string(), z.string()) });

/** The request id to put in an answer, from the header (also readable when the body is not). */
export const firehoseRequestIdOf = (header: HeaderLookup): string => header('x-amz-firehose-request-id') ?? '';

/** The exact success body Firehose expects. */
export const firehoseAnswer = (requestId: string, now: number) => ({ requestId, timestamp: now });

/** The error body Firehose logs (it retries on any status but 200). */
export const firehoseErrorAnswer = (requestId: string, now: number, errorMessage: string) => ({
  requestId,
  timestamp: now,
  errorMessage,
});

/**
 * Decodes a Firehose delivery. Throws TocsinError (bad_request,
 * unsupported_media_type, payload_too_large) when the request as a whole
 * cannot be read; its `details.requestId` is the header's.
 */
export function decodeFirehoseRequest(
  header: HeaderLookup,
  body: Uint8Array,
  observedTime: number,
  maxBytes = MAX_FIREHOSE_BODY_BYTES,
): FirehoseRequest {
  const headerId = firehoseRequestIdOf(header);
  const fail = (code: 'bad_request' | 'unsupported_media_type', message: string) =>
    new TocsinError(code, message, { requestId: headerId });
  const version = header('x-amz-firehose-protocol-version');
  if (version !== undefined && version !== '1.0') {
    throw fail('bad_request', `X-Amz-Firehose-Protocol-Version ${version} is not supported (only 1.0)`);
  }
  const json = bodyText(header('content-encoding'), body, maxBytes, headerId, fail);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw fail('bad_request', `the body is not JSON (${(err as Error).message})`);
  }
  const parsed = bodySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail('bad_request', `body.${issue.path.join('.')}: ${issue.message}`);
  }
  const { requestId, timestamp, records } = parsed.data;
  if (headerId !== '' && headerId !== requestId) {
    throw fail('bad_request', `X-Amz-Firehose-Request-Id ${headerId} differs from the body's requestId ${requestId}`);
  }
  const common = commonAttributesOf(header('x-amz-firehose-common-attributes'), fail);
  const sourceArn = header('x-amz-firehose-source-arn');
  const resource: Record<string, unknown> = { 'cloud.provider': 'aws' };
  if (sourceArn) {
    resource['aws.firehose.arn'] = sourceArn;
    const stream = /:deliverystream\/(.+)$/.exec(sourceArn);
    if (stream) resource['aws.firehose.stream'] = stream[1];
  }
  const out: FirehoseRequest = { requestId, timestamp, events: [], controlMessages: 0, rejected: [] };
  const accessKey = header('x-amz-firehose-access-key');
  if (accessKey !== undefined) out.accessKey = accessKey;
  if (sourceArn) out.sourceArn = sourceArn;
  records.forEach((record, index) => {
    try {
      decodeRecord(record.data, index, { observedTime, timestamp, common, resource, out });
    } catch (err) {
      if (!(err instanceof TocsinError)) throw err;
      out.rejected.push({ index, reason: err.message });
    }
  });
  return out;
}

function bodyText(
  encoding: string | undefined,
  body: Uint8Array,
  maxBytes: number,
  requestId: string,
  fail: (code: 'unsupported_media_type', message: string) => TocsinError,
): string {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'gzip') {
    try {
      return gunzipCapped(body, maxBytes, 'the gzip body').toString('utf8');
    } catch (err) {
      const e = err as TocsinError;
      throw new TocsinError(e.code, e.message, { requestId });
    }
  }
  if (coding !== 'identity')
    throw fail('unsupported_media_type', `Content-Encoding ${encoding} is not supported (gzip)`);
  return Buffer.from(body).toString('utf8');
}

function commonAttributesOf(
  text: string | undefined,
  fail: (code: 'bad_request', message: string) => TocsinError,
): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail('bad_request', 'X-Amz-Firehose-Common-Attributes is not JSON');
  }
  const parsed = commonAttributesSchema.safeParse(value);
  if (!parsed.success) {
    throw fail('bad_request', 'X-Amz-Firehose-Common-Attributes must be {"commonAttributes":{"name":"value",…}}');
  }
  return parsed.data.commonAttributes;
}

interface RecordContext {
  observedTime: number;
  timestamp: number;
  common: Record<string, string>;
  resource: Record<string, unknown>;
  out: FirehoseRequest;
}

function decodeRecord(data: string, index: number, ctx: RecordContext): void {
  const what = `records.${index}.data`;
  let bytes = base64Bytes(data, what);
  if (isGzip(bytes)) bytes = gunzipCapped(bytes, MAX_FIREHOSE_BODY_BYTES, what);
  const text = bytes.toString('utf8');
  if (text.trimStart().startsWith('{')) {
    const value = parseOrUndefined(text);
    if (looksLikeSubscriptionPayload(value)) {
      const batch = subscriptionBatch(subscriptionPayloadOf(value, what), ctx.observedTime);
      if (batch.control) ctx.out.controlMessages++;
      for (const e of batch.events) ctx.out.events.push(withCommon(e, ctx.common));
      return;
    }
  }
  for (const line of text.split('\n')) {
    const message = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (message.trim() === '') continue;
    ctx.out.events.push(lineEvent(message, ctx));
  }
}

function withCommon(e: LogEventShape, common: Record<string, string>): LogEventShape {
  return Object.keys(common).length ? { ...e, attributes: { ...common, ...e.attributes } } : e;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A plain record line: JSON lines give their level and time, text lines take the request's time. */
function lineEvent(message: string, ctx: RecordContext): LogEventShape {
  const event: LogEventShape = {
    time: ctx.timestamp,
    observedTime: ctx.observedTime,
    message,
    attributes: { ...ctx.common },
    resource: ctx.resource,
  };
  if (message.charCodeAt(0) !== 0x7b) return event;
  const value = parseOrUndefined(message);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return event;
  const record = value as Record<string, unknown>;
  const level = levelOf(record.level ?? record.levelname ?? record.severity ?? record['log.level']);
  if (level) event.level = level;
  const time = timeOf(record.timestamp ?? record.time ?? record['@timestamp']);
  if (time !== undefined) event.time = time;
  return event;
}

/** Epoch ms from a number (seconds below 1e11, else ms) or an ISO 8601 string. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
