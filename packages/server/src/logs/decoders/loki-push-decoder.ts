/**
 * Loki's push API (`POST /loki/api/v1/push`), both encodings:
 * - JSON: `{"streams":[{"stream":{"job":"api"},"values":[["<ns>","<line>",{"trace_id":"…"}]]}]}`, the third
 *   element of a value (structured metadata, string values) optional;
 * - protobuf (Content-Type application/x-protobuf): a snappy-compressed `logproto.PushRequest`
 *   (loki-push-proto.ts), its label sets in the selector syntax (loki-labels.ts).
 * Each entry is one event; entries are indexed across the whole request, stream after stream. The mapping, field by
 * field, is in docs/logs.md; in short: the group is the `X-Tocsin-Log-Group` header, else the service name as Loki
 * discovers it from the labels (`service_name`, then `service`, `app`, … `job`), else `default`; the stream is the
 * label set as Loki prints it; labels are the resource, structured metadata the attributes.
 */
import { DEFAULT_LOG_GROUP, type LogEvent, logLimits, severityName, severityOf } from '@tocsin/protocol';
import {
  badBody,
  bodyBytes,
  DecodeCollector,
  type DecodeContext,
  type DecodeResult,
  GROUP_HEADER,
  headerOf,
  isProtobuf,
  isRecord,
  type LogDecoder,
  type LogHeaders,
  nanosToMs,
  parseJsonBody,
} from './log-decoder.js';
import { formatLabels, isLabelName, LabelSyntaxError, parseLabels, resourceOfLabels } from './loki-labels.js';
import { decodeLokiPushRequest, type LokiProtoRequest } from './loki-push-proto.js';

const FORMAT = 'Loki push';

/** Loki's `discover_service_name` default, in its order, after an explicit `service_name`. */
export const serviceNameLabels = [
  'service_name',
  'service',
  'app',
  'application',
  'app_name',
  'name',
  'app_kubernetes_io_name',
  'container',
  'container_name',
  'k8s_container_name',
  'component',
  'workload',
  'job',
  'k8s_job_name',
] as const;

/** Where the level is read, structured metadata first, then labels; names compared in lowercase. */
const levelKeys = ['detected_level', 'level', 'log.level', 'log_level', 'severity', 'severity_text', 'lvl'];
const stageLabels = ['env', 'environment', 'stage', 'deployment_environment', 'deployment_environment_name'];
const traceKeys = ['trace_id', 'traceid', 'trace.id'];
const spanKeys = ['span_id', 'spanid', 'span.id'];

/** One entry before mapping, whichever the encoding. */
interface RawEntry {
  /** Milliseconds, 0 when absent, undefined when not a time. */
  time: number | undefined;
  line: unknown;
  metadata: unknown;
  /** Set when the entry's shape is wrong: it is rejected with this. */
  problem?: string;
}

interface Stream {
  labels: Record<string, string>;
  /** Set when the stream's labels are unusable: every entry of it is rejected with this. */
  problem?: string;
  entries: RawEntry[];
}

function lowerFind(r: Record<string, string>, keys: readonly string[]): string | undefined {
  for (const [k, v] of Object.entries(r)) if (v !== '' && keys.includes(k.toLowerCase())) return v;
  return undefined;
}

function firstLabel(labels: Record<string, string>, names: readonly string[]): string | undefined {
  for (const n of names) if (labels[n]) return labels[n];
  return undefined;
}

function labelsProblem(labels: unknown): string | undefined {
  if (!isRecord(labels)) return 'stream: not an object of labels';
  for (const [k, v] of Object.entries(labels)) {
    if (!isLabelName(k)) return `stream: ${JSON.stringify(k)} is not a valid label name`;
    if (typeof v !== 'string') return `stream: the value of ${k} is not a string`;
  }
  return undefined;
}

function jsonStreams(body: Buffer | string): Stream[] {
  const json = parseJsonBody(FORMAT, body);
  if (!isRecord(json) || !Array.isArray(json.streams)) throw badBody(FORMAT, 'no "streams" array');
  return json.streams.map((s: unknown): Stream => {
    const labels = isRecord(s) ? s.stream : undefined;
    const values = isRecord(s) ? s.values : undefined;
    const problem = labelsProblem(labels) ?? (Array.isArray(values) ? undefined : 'values: not an array');
    const entries = (Array.isArray(values) ? values : [undefined]).map((v: unknown): RawEntry => {
      if (!Array.isArray(v) || v.length < 2 || v.length > 3)
        return {
          time: undefined,
          line: '',
          metadata: undefined,
          problem: 'values: each is [timestamp, line, metadata?]',
        };
      return { time: nanosToMs(v[0]), line: v[1], metadata: v[2] };
    });
    return { labels: problem ? {} : (labels as Record<string, string>), problem, entries };
  });
}

function protoStreams(body: Buffer | string, maxBytes: number | undefined): Stream[] {
  let request: LokiProtoRequest;
  try {
    request = decodeLokiPushRequest(bodyBytes(body), maxBytes);
  } catch (err) {
    throw badBody(FORMAT, `not a snappy-compressed PushRequest (${(err as Error).message})`);
  }
  return (request.streams ?? []).map((s): Stream => {
    let labels: Record<string, string> = {};
    let problem: string | undefined;
    try {
      labels = parseLabels(s.labels ?? '');
    } catch (err) {
      if (!(err instanceof LabelSyntaxError)) throw err;
      problem = `labels: ${err.message} in ${JSON.stringify((s.labels ?? '').slice(0, 200))}`;
    }
    const entries = (s.entries ?? []).map((e): RawEntry => {
      const seconds = Number(e.timestamp?.seconds ?? 0);
      const nanos = e.timestamp?.nanos ?? 0;
      const time = seconds >= 0 && nanos >= 0 ? seconds * 1000 + Math.floor(nanos / 1e6) : undefined;
      const metadata: Record<string, string> = {};
      for (const p of e.structuredMetadata ?? []) if (p.name) metadata[p.name] = p.value ?? '';
      return { time, line: e.line ?? '', metadata };
    });
    // A stream whose labels do not parse still counts each of its entries as rejected.
    return { labels, problem, entries };
  });
}

const hexId = (v: string | undefined, digits: number): string | undefined =>
  v && new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(v) && !/^0+$/.test(v) ? v.toLowerCase() : undefined;

function eventOf(e: RawEntry, labels: Record<string, string>, group: string, now: number): LogEvent | string {
  if (e.problem) return e.problem;
  if (e.time === undefined) return 'timestamp: not nanoseconds since the epoch as a decimal string';
  if (typeof e.line !== 'string') return 'line: not a string';
  if (e.metadata !== undefined && !isRecord(e.metadata)) return 'structured metadata: not an object';
  const metadata = (e.metadata ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(metadata))
    if (typeof v !== 'string') return `structured metadata: the value of ${k} is not a string`;
  const meta = metadata as Record<string, string>;
  const levelText = lowerFind(meta, levelKeys) ?? lowerFind(labels, levelKeys);
  const level = levelText === undefined ? 0 : severityOf(levelText);
  const event: LogEvent = {
    time: e.time || now,
    observedTime: now,
    group,
    level,
    levelText: levelText ?? severityName(level),
    message: e.line,
    attributes: meta,
    resource: resourceOfLabels(labels),
  };
  const stream = formatLabels(labels);
  if (Object.keys(labels).length && stream.length <= logLimits.nameLength) event.stream = stream;
  const source = firstLabel(labels, serviceNameLabels);
  if (source) event.source = source;
  const stage = firstLabel(labels, stageLabels);
  if (stage) event.stage = stage;
  const traceId = hexId(lowerFind(meta, traceKeys), 32);
  const spanId = hexId(lowerFind(meta, spanKeys), 16);
  if (traceId) event.traceId = traceId;
  if (spanId) event.spanId = spanId;
  return event;
}

export const lokiPushDecoder: LogDecoder = {
  format: 'loki-push',
  decode(body: Buffer | string, headers: LogHeaders, context: DecodeContext): DecodeResult {
    const streams = isProtobuf(headers) ? protoStreams(body, context.maxBytes) : jsonStreams(body);
    const groupHeader = headerOf(headers, GROUP_HEADER);
    const out = new DecodeCollector();
    let index = 0;
    for (const s of streams) {
      const group = groupHeader ?? firstLabel(s.labels, serviceNameLabels) ?? DEFAULT_LOG_GROUP;
      for (const e of s.entries) {
        const at = index++;
        if (s.problem) {
          out.reject(at, s.problem);
          continue;
        }
        const event = eventOf(e, s.labels, group, context.now);
        if (typeof event === 'string') out.reject(at, event);
        else out.take(event, at);
      }
    }
    return out.result();
  },
};
