/**
 * Amazon SNS: one Publish per delivery through `@aws-sdk/client-sns` (SigV4-signed, the Query API). Clients are
 * kept per region, endpoint and credentials; the SDK does not retry, the outbox does (with its record of attempts).
 */
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendOutcome, SendRequest } from './channel.js';
import { eventLook, truncate } from './message-format.js';
import { truncateBytes } from './message-format.js';
import { pushBody, pushTitle } from './push-message.js';

// Node 20 is supported by the SDK versions this lockfile holds; its start-up notice about later versions
// would otherwise be printed on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html: a message of at most 256 KB (262,144 bytes, its
// attributes included); a Subject of at most 100 printable ASCII characters, without line breaks.
export const SNS_MESSAGE_MAX_BYTES = 262144;
export const SNS_SUBJECT_MAX = 100;
// The same page: MessageGroupId and MessageDeduplicationId are at most 128 characters.
const FIFO_ID_MAX = 128;
/** Room kept for the message attributes and their names. */
const ATTRIBUTES_ROOM = 1024;

/** SNS's error codes that waiting cures (https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html). */
const RETRYABLE_ERRORS = new Set([
  'Throttled',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'KMSThrottling',
  'KMSThrottlingException',
  'InternalError',
  'InternalErrorException',
  'InternalFailure',
  'ServiceUnavailable',
]);

const clients = new Map<string, SNSClient>();

/** The region of a topic ARN: arn:aws:sns:{region}:{account}:{name}. */
export function snsRegion(spec: Record<string, unknown>): string {
  if (typeof spec.region === 'string' && spec.region) return spec.region;
  return String(spec.topicArn).split(':')[3] ?? 'us-east-1';
}

function clientFor(spec: Record<string, unknown>): SNSClient {
  const text = (name: string) => (typeof spec[name] === 'string' && spec[name] ? (spec[name] as string) : undefined);
  const [accessKeyId, secretAccessKey, sessionToken] = [
    text('accessKeyId'),
    text('secretAccessKey'),
    text('sessionToken'),
  ];
  const key = JSON.stringify([
    snsRegion(spec),
    text('endpoint'),
    accessKeyId,
    secretAccessKey,
    sessionToken,
    text('profile'),
  ]);
  let client = clients.get(key);
  if (!client) {
    client = new SNSClient({
      region: snsRegion(spec),
      endpoint: text('endpoint'),
      profile: text('profile'),
      maxAttempts: 1,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken } : undefined,
    });
    clients.set(key, client);
  }
  return client;
}

/** A Subject SNS takes: printable ASCII (accents dropped, other characters as ?), one line, 100 characters. */
export function snsSubject(e: TocsinEvent): string {
  const ascii = `[${eventLook(e).label}] ${e.title}`
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/gu, '?')
    .trim();
  return ascii.length <= SNS_SUBJECT_MAX ? ascii : `${ascii.slice(0, SNS_SUBJECT_MAX - 3)}...`;
}

/** The event as JSON, within `maxBytes`: a long text is cut (marked), then too many attributes are dropped. */
function jsonMessage(e: TocsinEvent, maxBytes: number): string {
  const full = JSON.stringify(e);
  const over = Buffer.byteLength(full, 'utf8') - maxBytes;
  if (over <= 0) return full;
  const text = truncateBytes(e.text, Math.max(0, Buffer.byteLength(e.text, 'utf8') - over - 16));
  const cut = JSON.stringify({ ...e, text });
  if (Buffer.byteLength(cut, 'utf8') <= maxBytes) return cut;
  return JSON.stringify({ ...e, text: truncate(text, 4096), attributes: { truncated: true } });
}

/** What Publish is given: topic, subject, message, attributes and, for a FIFO topic, its group and dedup ids. */
export function snsPublishInput(req: SendRequest): PublishCommandInput {
  const e = req.event;
  const topicArn = String(req.spec.topicArn);
  const room = SNS_MESSAGE_MAX_BYTES - ATTRIBUTES_ROOM;
  const message =
    req.spec.format === 'json' && !req.group
      ? jsonMessage(e, room)
      : truncateBytes(`${pushTitle(e)}\n\n${pushBody(req)}`, room);
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Subject: snsSubject(e),
    Message: message,
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: e.severity },
      kind: { DataType: 'String', StringValue: e.kind },
      topic: { DataType: 'String', StringValue: e.topic },
    },
  };
  if (topicArn.endsWith('.fifo')) {
    // One group per source keeps its events in order; the delivery id makes a retried Publish a duplicate.
    input.MessageGroupId = truncate(`${e.source.type}/${e.source.name}`, FIFO_ID_MAX).replace(/[^\x21-\x7e]/g, '_');
    input.MessageDeduplicationId = req.deliveryId.slice(0, FIFO_ID_MAX);
  }
  return input;
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** An SDK failure as an outcome: throttling, SNS's own errors and the network retried, the rest final. */
export function snsFailure(err: unknown): Extract<SendOutcome, { ok: false }> {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'CredentialsProviderError') {
    return { ok: false, retryable: false, error: `sns: no AWS credentials found (${e.message})` };
  }
  if (status === undefined) {
    const network = e.code ?? e.name ?? 'error';
    return { ok: false, retryable: true, error: `sns: ${network}: ${e.message ?? String(err)}` };
  }
  const name = (e.name ?? 'Error').replace(/Exception$/, '');
  const retryable = RETRYABLE_ERRORS.has(e.name ?? '') || status === 429 || status >= 500;
  return { ok: false, retryable, status, error: `sns answered ${status} ${name}: ${e.message ?? ''}`.trim() };
}

export const snsChannel: Channel = {
  protocol: 'sns',
  // SNS's Publish quotas are thousands a second per account and region: none by default.
  destinationKey: (spec) => String(spec.topicArn),
  async send(req) {
    const deadline = AbortSignal.timeout(req.timeoutMs);
    try {
      await clientFor(req.spec).send(new PublishCommand(snsPublishInput(req)), { abortSignal: deadline });
      return { ok: true, status: 200 };
    } catch (err) {
      if (deadline.aborted) return { ok: false, retryable: true, error: `sns: timeout after ${req.timeoutMs} ms` };
      return snsFailure(err);
    }
  },
  async close() {
    for (const c of clients.values()) c.destroy();
    clients.clear();
  },
};
