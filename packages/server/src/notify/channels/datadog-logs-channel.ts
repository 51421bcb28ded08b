/**
 * The `datadog_logs` channel: forwards events as log entries to Datadog's logs intake, `POST {endpoint}/api/v2/logs`
 * (a JSON array, gzipped, the key in `DD-API-KEY`; Datadog answers 202). A `log.match` event's sample lines are its
 * entries; any other event is one entry (log-lines.ts). Every entry carries `tocsin.origin`, so that a Tocsin that
 * gets it back (a Datadog forwarder pointed at its ingest) drops it as a loop.
 */
import { createHash } from 'node:crypto';
import { ORIGIN_ATTRIBUTE } from '../../logs/log-pipeline.js';
import type { Channel, SendRequest } from './channel.js';
import { describeDatadogError } from './datadog-channel.js';
import { sendHttp } from './http-sender.js';
import { batchesOf, byteLength, cutToBytes, encodeBody, sendBatches } from './log-batches.js';
import { logLinesOf, type LogLine } from './log-lines.js';

export const DATADOG_LOGS_ENDPOINT = 'https://http-intake.logs.datadoghq.com';
const PATH = '/api/v2/logs';
/** Datadog truncates a log over 1 MB; cutting the message first keeps every entry inside one batch. */
const MESSAGE_MAX_BYTES = 1_000_000;
const TAG_MAX = 200;

/** The intake URL: the endpoint's base with `/api/v2/logs`, unless it already ends so. */
export function datadogLogsUrl(spec: Record<string, unknown>): string {
  const base = typeof spec.endpoint === 'string' && spec.endpoint ? spec.endpoint : DATADOG_LOGS_ENDPOINT;
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith(PATH) ? trimmed : `${trimmed}${PATH}`;
}

/** Datadog's tag form `key:value`, cut to its 200 characters; commas would split the `ddtags` list. */
function tag(key: string, value: string): string {
  return `${key}:${value}`.replace(/,/g, '_').slice(0, TAG_MAX);
}

/** The `status` Datadog reads (its reserved attribute): the line's level, `info` when it has none. */
function statusOf(level: string): string {
  if (level === 'fatal' || level === 'panic' || level === 'emerg') return 'emergency';
  if (level === 'err' || level === 'eror') return 'error';
  if (level === 'warning') return 'warn';
  return level || 'info';
}

/** One entry of the `/api/v2/logs` body. */
export function datadogLogEntry(line: LogLine, req: SendRequest): Record<string, unknown> {
  const spec = req.spec;
  const tags: string[] = Object.entries((spec.tags ?? {}) as Record<string, string>).map(([k, v]) =>
    v ? tag(k, v) : k,
  );
  if (line.group) tags.push(tag('group', line.group));
  if (line.stage) tags.push(tag('env', line.stage));
  if (typeof line.attributes.rule === 'string') tags.push(tag('rule', line.attributes.rule));
  tags.push(tag('topic', req.event.topic));
  const entry: Record<string, unknown> = {
    // The line's own attributes first: the reserved names below win over an attribute of the same name.
    ...line.attributes,
    message: cutToBytes(line.message, MESSAGE_MAX_BYTES),
    ddsource: typeof spec.ddsource === 'string' ? spec.ddsource : 'tocsin',
    ddtags: tags.join(','),
    hostname: typeof spec.hostname === 'string' ? spec.hostname : (req.origin ?? 'tocsin'),
    service: line.source ?? (typeof spec.service === 'string' ? spec.service : 'tocsin'),
    status: statusOf(line.level),
    timestamp: line.time,
  };
  if (line.group) entry.group = line.group;
  if (req.origin) entry[ORIGIN_ATTRIBUTE] = req.origin;
  return entry;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** The Datadog logs channel. */
export const datadogLogsChannel: Channel = {
  protocol: 'datadog_logs',
  // The API key is a credential: the key holds only a short hash of it.
  destinationKey: (spec) => `${datadogLogsUrl(spec)}#${shortHash(String(spec.apiKey))}`,
  async send(req) {
    const entries = logLinesOf(req).map((line) => JSON.stringify(datadogLogEntry(line, req)));
    const url = datadogLogsUrl(req.spec);
    return sendBatches(batchesOf(entries, byteLength), async (batch) => {
      const { body, headers } = await encodeBody(`[${batch.join(',')}]`, true);
      return sendHttp(
        {
          url,
          headers: { 'content-type': 'application/json', 'DD-API-KEY': String(req.spec.apiKey), ...headers },
          body,
          timeoutMs: req.timeoutMs,
          origin: req.origin,
        },
        describeDatadogError,
      );
    });
  },
};
