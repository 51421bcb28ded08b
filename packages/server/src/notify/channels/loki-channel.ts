/**
 * The `loki` channel: pushes events as log lines to Loki, `POST {endpoint}/loki/api/v1/push` (JSON, gzipped unless
 * `gzip: false`; Loki answers 204). Streams are keyed by the subscription's fixed labels plus `group`, `source` and
 * `level` of each line, and `tocsin_origin` (this instance's id), so that a Tocsin that gets the lines back on its
 * own Loki push route drops them as a loop. Basic auth or a bearer token, and `X-Scope-OrgID` for a tenant.
 * A `log.match` event's sample lines are its lines; any other event is one line (log-lines.ts).
 */
import { createHash } from 'node:crypto';
import { ORIGIN_LABEL } from '../../logs/log-pipeline.js';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp } from './http-sender.js';
import { batchesOf, byteLength, encodeBody, sendBatches } from './log-batches.js';
import { logLinesOf, type LogLine } from './log-lines.js';

const PATH = '/loki/api/v1/push';

/** The push URL: the endpoint's base with `/loki/api/v1/push`, unless it already ends so. */
export function lokiPushUrl(spec: Record<string, unknown>): string {
  const trimmed = String(spec.endpoint).replace(/\/+$/, '');
  return trimmed.endsWith(PATH) ? trimmed : `${trimmed}${PATH}`;
}

/** A label value as Loki takes it: not empty (an empty value means no label), at most Loki's 2,048 characters. */
const labelValue = (v: string | undefined): string | undefined => (v ? v.slice(0, 2048) : undefined);

/** The label set of one line's stream. */
export function lokiLabels(line: LogLine, req: SendRequest): Record<string, string> {
  const labels: Record<string, string> = { ...((req.spec.labels ?? {}) as Record<string, string>) };
  const dynamic: [string, string | undefined][] = [
    ['group', line.group],
    ['source', line.source],
    ['level', line.level],
    [ORIGIN_LABEL, req.origin],
  ];
  for (const [name, value] of dynamic) {
    const v = labelValue(value);
    if (v) labels[name] = v;
  }
  return labels;
}

/** Structured metadata takes strings only: other values go as their JSON. */
function metadataOf(attributes: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** One value of a stream: `[nanoseconds as a decimal string, line, structured metadata?]`. */
type LokiValue = [string, string] | [string, string, Record<string, string>];

export interface LokiEntry {
  key: string;
  labels: Record<string, string>;
  value: LokiValue;
  /** Its JSON's bytes plus its label set's: an upper bound of what it adds to a batch's body. */
  bytes: number;
}

function entriesOf(req: SendRequest): LokiEntry[] {
  const withMetadata = req.spec.structuredMetadata === true;
  return logLinesOf(req).map((line) => {
    const labels = lokiLabels(line, req);
    const ns = `${Math.max(0, Math.trunc(line.time))}000000`;
    const value: LokiValue = withMetadata ? [ns, line.message, metadataOf(line.attributes)] : [ns, line.message];
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    return { key, labels, value, bytes: byteLength(JSON.stringify(value)) + byteLength(key) + 24 };
  });
}

interface LokiStream {
  stream: Record<string, string>;
  values: LokiValue[];
}

/** The push body of a batch: one stream per label set, its values in time order (Loki wants them so per stream). */
export function lokiPushBody(entries: readonly LokiEntry[]): { streams: LokiStream[] } {
  const streams = new Map<string, LokiStream>();
  for (const e of entries) {
    const s = streams.get(e.key);
    if (s) s.values.push(e.value);
    else streams.set(e.key, { stream: e.labels, values: [e.value] });
  }
  for (const s of streams.values()) s.values.sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
  return { streams: [...streams.values()] };
}

function authHeaders(spec: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof spec.bearerToken === 'string') headers.authorization = `Bearer ${spec.bearerToken}`;
  else if (typeof spec.username === 'string' && typeof spec.password === 'string')
    headers.authorization = `Basic ${Buffer.from(`${spec.username}:${spec.password}`).toString('base64')}`;
  if (typeof spec.tenant === 'string') headers['x-scope-orgid'] = spec.tenant;
  return headers;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Loki's answer: its body is a plain-text reason (`entry too far behind`, `ingestion rate limit exceeded`). */
const describeLokiError = (res: { status: number; body: string }) =>
  `loki answered ${res.status}${res.body.trim() ? `: ${res.body.trim().slice(0, 300)}` : ''}`;

export const lokiChannel: Channel = {
  protocol: 'loki',
  // Credentials and tenant are part of the destination, as a hash: the same Loki under two tenants is two budgets.
  destinationKey: (spec) => `${lokiPushUrl(spec)}#${shortHash(JSON.stringify(authHeaders(spec)))}`,
  async send(req) {
    const url = lokiPushUrl(req.spec);
    const headers = { 'content-type': 'application/json', ...authHeaders(req.spec) };
    const compress = req.spec.gzip !== false;
    const batches = batchesOf(entriesOf(req), (e) => e.bytes, { overhead: 14 });
    return sendBatches(batches, async (batch) => {
      const encoded = await encodeBody(JSON.stringify(lokiPushBody(batch)), compress);
      return sendHttp(
        {
          url,
          headers: { ...headers, ...encoded.headers },
          body: encoded.body,
          timeoutMs: req.timeoutMs,
          origin: req.origin,
        },
        describeLokiError,
      );
    });
  },
};
