/**
 * CloudWatch Logs subscription payloads: what a subscription filter sends to
 * Lambda (`{"awslogs":{"data":…}}`), Kinesis (each record's data) and
 * Firehose (each record's data). The data is base64 of gzip of
 * `{messageType, owner, logGroup, logStream, subscriptionFilters, logEvents}`.
 *
 * A CONTROL_MESSAGE is CloudWatch checking that the destination is
 * reachable: it is answered like any payload and yields no event.
 * Mapping (field by field in docs/logs-aws-syslog.md): time = the log
 * event's timestamp, group = logGroup, stream = logStream, source = the
 * function for `/aws/lambda/<function>` groups, level and request id from
 * the message (lambda-log-line.ts), resource = the account and the group.
 */
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { TocsinError } from '../../core/errors.js';
import { lambdaLineFacts } from './lambda-log-line.js';
import type { LogEventShape } from './log-event-shape.js';

/** Decompressed payloads larger than this are refused (CloudWatch sends at most about 1 MB compressed). */
export const MAX_SUBSCRIPTION_BYTES = 16 * 1024 * 1024;

const logEventSchema = z.object({
  id: z.string(),
  timestamp: z.number().int().nonnegative(),
  message: z.string(),
});

export const subscriptionPayloadSchema = z.object({
  messageType: z.enum(['DATA_MESSAGE', 'CONTROL_MESSAGE']),
  owner: z.union([z.string(), z.number().transform(String)]),
  logGroup: z.string(),
  logStream: z.string(),
  subscriptionFilters: z.array(z.string()).default([]),
  logEvents: z.array(logEventSchema),
  /** Set by account-level subscription policies. */
  policyLevel: z.string().optional(),
});

export type SubscriptionPayload = z.infer<typeof subscriptionPayloadSchema>;

export interface SubscriptionBatch {
  /** A CONTROL_MESSAGE: answer it as accepted and store nothing. */
  control: boolean;
  payload: SubscriptionPayload;
  events: LogEventShape[];
}

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes of a base64 string, or a reason why it is not base64. */
export function base64Bytes(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !base64Text.test(compact)) {
    throw new TocsinError('bad_request', `${what} is not base64`);
  }
  return Buffer.from(compact, 'base64');
}

export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Gunzips at most `max` bytes; a corrupt stream or a larger one is a TocsinError naming `what`. */
export function gunzipCapped(bytes: Uint8Array, max: number, what: string): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: max });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TocsinError('payload_too_large', `${what} decompresses to more than ${max} bytes`);
    }
    throw new TocsinError('bad_request', `${what} is not a valid gzip stream (${(err as Error).message})`);
  }
}

/** Validates a decompressed payload's JSON value. */
export function subscriptionPayloadOf(value: unknown, what: string): SubscriptionPayload {
  const parsed = subscriptionPayloadSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.length ? `.${issue.path.join('.')}` : '';
  throw new TocsinError('bad_request', `${what}${path}: ${issue.message}`);
}

/** Whether a JSON value looks like a subscription payload (and so should be validated as one). */
export const looksLikeSubscriptionPayload = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && 'messageType' in value && 'logEvents' in value;

/** Decodes one base64(gzip(JSON)) subscription payload (or its gzip bytes) into events. */
export function decodeSubscriptionData(
  data: string | Uint8Array,
  observedTime: number,
  what = 'awslogs.data',
): SubscriptionBatch {
  const compressed = typeof data === 'string' ? base64Bytes(data, what) : data;
  if (!isGzip(compressed)) {
    throw new TocsinError('bad_request', `${what} is not gzip data (CloudWatch Logs gzips subscription payloads)`);
  }
  const json = gunzipCapped(compressed, MAX_SUBSCRIPTION_BYTES, what).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new TocsinError('bad_request', `${what} is not JSON once decompressed (${(err as Error).message})`);
  }
  return subscriptionBatch(subscriptionPayloadOf(value, what), observedTime);
}

/** The events of a validated payload (none for a CONTROL_MESSAGE). */
export function subscriptionBatch(payload: SubscriptionPayload, observedTime: number): SubscriptionBatch {
  if (payload.messageType === 'CONTROL_MESSAGE') return { control: true, payload, events: [] };
  const fn = lambdaFunctionOf(payload.logGroup);
  const resource: Record<string, unknown> = {
    'cloud.provider': 'aws',
    'cloud.account.id': payload.owner,
    'aws.log.group.names': [payload.logGroup],
    'aws.log.stream.names': [payload.logStream],
    'aws.log.subscription_filters': payload.subscriptionFilters,
  };
  if (fn) {
    resource['cloud.platform'] = 'aws_lambda';
    resource['faas.name'] = fn;
  }
  const events = payload.logEvents.map((e): LogEventShape => {
    const facts = lambdaLineFacts(e.message);
    const attributes: Record<string, unknown> = { 'aws.log.event_id': e.id };
    if (facts.requestId) attributes['faas.invocation_id'] = facts.requestId;
    const event: LogEventShape = {
      time: e.timestamp,
      observedTime,
      group: payload.logGroup,
      stream: payload.logStream,
      message: e.message.replace(/\r?\n$/, ''),
      attributes,
      resource,
    };
    if (fn) event.source = fn;
    if (facts.level) event.level = facts.level;
    return event;
  });
  return { control: false, payload, events };
}

/** The function of a Lambda log group (`/aws/lambda/<function>`), else undefined. */
export function lambdaFunctionOf(logGroup: string): string | undefined {
  const m = /^\/aws\/lambda\/([^/]+)$/.exec(logGroup);
  return m ? m[1] : undefined;
}

const lambdaEnvelope = z.object({ awslogs: z.object({ data: z.string() }) });
const kinesisEnvelope = z.object({ Records: z.array(z.object({ kinesis: z.object({ data: z.string() }) })).min(1) });

/**
 * The subscription payloads of a request body as AWS delivers them: Lambda's
 * event (`{"awslogs":{"data":…}}`), a Lambda Kinesis event
 * (`{"Records":[{"kinesis":{"data":…}}]}`), or the raw gzip bytes.
 */
export function decodeSubscriptionBody(body: Uint8Array, observedTime: number): SubscriptionBatch[] {
  if (isGzip(body)) return [decodeSubscriptionData(body, observedTime, 'the body')];
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new TocsinError('bad_request', `the body is not JSON (${(err as Error).message})`);
  }
  const lambda = lambdaEnvelope.safeParse(value);
  if (lambda.success) return [decodeSubscriptionData(lambda.data.awslogs.data, observedTime)];
  const kinesis = kinesisEnvelope.safeParse(value);
  if (kinesis.success) {
    return kinesis.data.Records.map((r, i) =>
      decodeSubscriptionData(r.kinesis.data, observedTime, `Records.${i}.kinesis.data`),
    );
  }
  throw new TocsinError(
    'bad_request',
    'the body is neither {"awslogs":{"data":…}} (Lambda) nor {"Records":[{"kinesis":{"data":…}}]} (Kinesis)',
  );
}
