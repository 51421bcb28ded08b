/**
 * OTLP/HTTP logs (`POST /v1/logs`): an ExportLogsServiceRequest in OTLP/JSON
 * (application/json) or protobuf (application/x-protobuf, otlp-logs-proto.ts),
 * ResourceLogs → ScopeLogs → LogRecord, each record one event. The mapping,
 * field by field, is in docs/logs.md; in short: the group is the
 * `X-Tocsin-Log-Group` header, else the resource's `service.name`; the body
 * is the message (JSON text when it is not a string); attributes and the
 * resource keep their nested values. A record that breaks a limit is
 * rejected with its index (records counted across the whole request) and
 * counted in the partial success (`partialSuccessOf`).
 */
import { DEFAULT_LOG_GROUP, type LogEvent, logLimits, severityName, severityOf } from '@tocsin/protocol';
import {
  badBody,
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
  bodyBytes,
} from './log-decoder.js';
import {
  decodeExportLogsRequest,
  type Int64,
  type LogsPartialSuccess,
  type OtlpAnyValue,
  type OtlpKeyValue,
  type OtlpLogRecord,
  type OtlpLogsRequest,
} from './otlp-logs-proto.js';

const FORMAT = 'OTLP logs';

/** Thrown by `jsonOf` past the depth limit, so a hostile nesting costs no more than the limit. */
class TooDeep extends Error {}

/** Whether a value of the client's body is an object, keeping its declared type (bodies are not validated). */
const isObject = <T>(v: T | null | undefined): v is T => typeof v === 'object' && v !== null && !Array.isArray(v);

const list = <T>(x: T[] | undefined | null): T[] => (Array.isArray(x) ? x : []);

function int64Of(v: Int64 | undefined): number | string | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  if (v && typeof v === 'object' && typeof v.low === 'number' && typeof v.high === 'number')
    return (v.unsigned ? v.high >>> 0 : v.high) * 4294967296 + (v.low >>> 0);
  return undefined;
}

/** An AnyValue as JSON: ints beyond 2^53 stay decimal strings, bytes stay base64, an empty value is null. */
function jsonOf(v: OtlpAnyValue | undefined, depth: number): unknown {
  if (!isObject(v)) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) return int64Of(v.intValue) ?? null;
  if (v.doubleValue !== undefined) {
    const n = Number(v.doubleValue);
    return Number.isFinite(n) ? n : String(v.doubleValue);
  }
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  if (v.arrayValue !== undefined || v.kvlistValue !== undefined) {
    if (depth >= logLimits.attributeDepth) throw new TooDeep();
    if (v.arrayValue !== undefined) return list(v.arrayValue?.values).map((x) => jsonOf(x, depth + 1));
    return attributesOf(v.kvlistValue?.values, depth + 1);
  }
  return null;
}

/** KeyValues as a record; a later duplicate key wins, as in a map. */
function attributesOf(kvs: OtlpKeyValue[] | undefined, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list(kvs)) if (isObject(kv) && typeof kv.key === 'string') out[kv.key] = jsonOf(kv.value, depth);
  return out;
}

const stringAt = (r: Record<string, unknown>, ...keys: string[]): string | undefined => {
  for (const k of keys) if (typeof r[k] === 'string' && r[k] !== '') return r[k] as string;
  return undefined;
};

/** A trace or span id in hexadecimal: lowercase; absent when empty or all zeros (OTLP's "no id"). */
function idOf(v: unknown, digits: number, what: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(v))
    throw new Error(`${what}: not ${digits} hexadecimal digits`);
  const id = v.toLowerCase();
  return /^0+$/.test(id) ? undefined : id;
}

function severityNumberOf(r: OtlpLogRecord): number {
  const n = r.severityNumber;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 24) return n;
  if (typeof n === 'string' && n !== '' && n !== 'SEVERITY_NUMBER_UNSPECIFIED') {
    const named = severityOf(n);
    if (named) return named;
  }
  return typeof r.severityText === 'string' ? severityOf(r.severityText) : 0;
}

interface ResourceContext {
  group: string;
  resource: Record<string, unknown>;
  source?: string;
  stream?: string;
  stage?: string;
  scope: Record<string, string>;
  now: number;
}

function eventOf(r: OtlpLogRecord, ctx: ResourceContext): LogEvent {
  if (!isObject(r)) throw new Error('a log record that is not an object');
  const observed = nanosToMs(r.observedTimeUnixNano) || 0;
  const time = nanosToMs(r.timeUnixNano) || observed || ctx.now;
  const level = severityNumberOf(r);
  const body = jsonOf(r.body, 0);
  const attributes = { ...ctx.scope, ...attributesOf(r.attributes) };
  if (typeof r.eventName === 'string' && r.eventName !== '' && !('event.name' in attributes))
    attributes['event.name'] = r.eventName;
  const event: LogEvent = {
    time,
    observedTime: observed || ctx.now,
    group: ctx.group,
    level,
    levelText: typeof r.severityText === 'string' && r.severityText !== '' ? r.severityText : severityName(level),
    message: typeof body === 'string' ? body : body === null ? '' : JSON.stringify(body),
    attributes,
    resource: ctx.resource,
  };
  if (ctx.stream) event.stream = ctx.stream;
  if (ctx.source) event.source = ctx.source;
  if (ctx.stage) event.stage = ctx.stage;
  const traceId = idOf(r.traceId, 32, 'traceId');
  const spanId = idOf(r.spanId, 16, 'spanId');
  if (traceId) event.traceId = traceId;
  if (spanId) event.spanId = spanId;
  return event;
}

function requestOf(body: Buffer | string, headers: LogHeaders): OtlpLogsRequest {
  if (isProtobuf(headers)) {
    try {
      return decodeExportLogsRequest(bodyBytes(body));
    } catch (err) {
      throw badBody(FORMAT, `not an ExportLogsServiceRequest in protobuf (${(err as Error).message})`);
    }
  }
  const json = parseJsonBody(FORMAT, body);
  if (!isRecord(json)) throw badBody(FORMAT, 'not a JSON object');
  if (json.resourceLogs !== undefined && !Array.isArray(json.resourceLogs))
    throw badBody(FORMAT, 'resourceLogs is not an array');
  return json as OtlpLogsRequest;
}

export const otlpLogsDecoder: LogDecoder = {
  format: 'otlp-logs',
  decode(body: Buffer | string, headers: LogHeaders, context: DecodeContext): DecodeResult {
    const request = requestOf(body, headers);
    const groupHeader = headerOf(headers, GROUP_HEADER);
    const out = new DecodeCollector();
    let index = 0;
    for (const rl of list(request.resourceLogs)) {
      let resource: Record<string, unknown> = {};
      let resourceProblem: string | undefined;
      try {
        resource = attributesOf(isObject(rl) && isObject(rl.resource) ? rl.resource.attributes : undefined);
      } catch (err) {
        resourceProblem =
          err instanceof TooDeep ? 'resource: nested deeper than attributeDepth' : (err as Error).message;
      }
      const service = stringAt(resource, 'service.name');
      for (const sl of list(isObject(rl) ? rl.scopeLogs : undefined)) {
        const scope: Record<string, string> = {};
        if (isObject(sl) && isObject(sl.scope)) {
          if (typeof sl.scope.name === 'string' && sl.scope.name) scope['otel.scope.name'] = sl.scope.name;
          if (typeof sl.scope.version === 'string' && sl.scope.version) scope['otel.scope.version'] = sl.scope.version;
        }
        const ctx: ResourceContext = {
          group: groupHeader ?? service ?? DEFAULT_LOG_GROUP,
          resource,
          source: service,
          stream: stringAt(resource, 'service.instance.id', 'k8s.pod.name', 'host.name'),
          stage: stringAt(resource, 'deployment.environment.name', 'deployment.environment'),
          scope,
          now: context.now,
        };
        for (const r of list(isObject(sl) ? sl.logRecords : undefined)) {
          const at = index++;
          if (resourceProblem) {
            out.reject(at, resourceProblem);
            continue;
          }
          try {
            out.take(eventOf(r, ctx), at);
          } catch (err) {
            out.reject(
              at,
              err instanceof TooDeep ? 'attributes: nested deeper than attributeDepth' : (err as Error).message,
            );
          }
        }
      }
    }
    return out.result();
  },
};

/**
 * OTLP's partial success of a decode: the number of rejected records and one message with each distinct reason
 * (at most five); undefined when none was rejected, so the answer carries no partial_success.
 */
export function partialSuccessOf(result: DecodeResult): LogsPartialSuccess | undefined {
  if (!result.rejected.length) return undefined;
  const reasons = [...new Set(result.rejected.map((r) => r.reason))];
  const shown = reasons.slice(0, 5).join('; ');
  const more = reasons.length > 5 ? ` (and ${reasons.length - 5} more reasons)` : '';
  return { rejectedLogRecords: result.rejected.length, errorMessage: `${shown}${more}` };
}
