/**
 * OTLP/HTTP logs in protobuf (Content-Type: application/x-protobuf), decoded
 * and encoded with protobufjs as metrics/otlp-proto.ts does for metrics, from
 * the message definitions of opentelemetry-proto v1.x
 * (collector/logs/v1/logs_service.proto, logs/v1/logs.proto,
 * common/v1/common.proto, resource/v1/resource.proto).
 *
 * Fields Tocsin does not read (schema URLs, dropped counts, scope
 * attributes, flags) are left undeclared: protobuf decoders skip unknown
 * fields. A decoded request is converted to the shape of the OTLP/JSON
 * mapping (camelCase names, 64-bit integers as decimal strings, trace and
 * span ids as hexadecimal, bytes values as base64), so one reader
 * (otlp-logs-decoder.ts) takes both encodings.
 */
import protobuf from 'protobufjs';

type FieldSpec = [id: number, type: string, rule?: 'repeated'];

const COMMON = 'opentelemetry.proto.common.v1';
const KV = `${COMMON}.KeyValue`;

/** Message name → field name → [field number, type, rule], as in the .proto files. */
const messages: Record<string, Record<string, FieldSpec>> = {
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest': {
    resourceLogs: [1, 'opentelemetry.proto.logs.v1.ResourceLogs', 'repeated'],
  },
  'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse': {
    partialSuccess: [1, 'ExportLogsPartialSuccess'],
  },
  'opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess': {
    rejectedLogRecords: [1, 'int64'],
    errorMessage: [2, 'string'],
  },
  'opentelemetry.proto.logs.v1.ResourceLogs': {
    resource: [1, 'opentelemetry.proto.resource.v1.Resource'],
    scopeLogs: [2, 'ScopeLogs', 'repeated'],
  },
  'opentelemetry.proto.logs.v1.ScopeLogs': {
    scope: [1, `${COMMON}.InstrumentationScope`],
    logRecords: [2, 'LogRecord', 'repeated'],
  },
  'opentelemetry.proto.logs.v1.LogRecord': {
    timeUnixNano: [1, 'fixed64'],
    observedTimeUnixNano: [11, 'fixed64'],
    // SeverityNumber is an enum: a varint on the wire, as an int32 is.
    severityNumber: [2, 'int32'],
    severityText: [3, 'string'],
    body: [5, `${COMMON}.AnyValue`],
    attributes: [6, KV, 'repeated'],
    traceId: [9, 'bytes'],
    spanId: [10, 'bytes'],
    eventName: [12, 'string'],
  },
  [`${COMMON}.AnyValue`]: {
    stringValue: [1, 'string'],
    boolValue: [2, 'bool'],
    intValue: [3, 'int64'],
    doubleValue: [4, 'double'],
    arrayValue: [5, 'ArrayValue'],
    kvlistValue: [6, 'KeyValueList'],
    bytesValue: [7, 'bytes'],
  },
  [`${COMMON}.ArrayValue`]: { values: [1, 'AnyValue', 'repeated'] },
  [`${COMMON}.KeyValueList`]: { values: [1, 'KeyValue', 'repeated'] },
  [`${COMMON}.KeyValue`]: { key: [1, 'string'], value: [2, 'AnyValue'] },
  [`${COMMON}.InstrumentationScope`]: { name: [1, 'string'], version: [2, 'string'] },
  'opentelemetry.proto.resource.v1.Resource': { attributes: [1, KV, 'repeated'] },
  // google/rpc/status.proto: the body of every OTLP/HTTP failure.
  'google.rpc.Status': { code: [1, 'int32'], message: [2, 'string'] },
};

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const [fullName, fields] of Object.entries(messages)) {
    const dot = fullName.lastIndexOf('.');
    const type = new protobuf.Type(fullName.slice(dot + 1));
    for (const [name, [id, fieldType, rule]] of Object.entries(fields))
      type.add(new protobuf.Field(name, id, fieldType, rule));
    root.define(fullName.slice(0, dot)).add(type);
  }
  root.resolveAll();
  return root;
}

const root = buildRoot();
const requestType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
const responseType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
const statusType = root.lookupType('google.rpc.Status');

/** 64-bit integers as the JSON mapping writes them, and as some clients do ({ low, high } from long.js). */
export type Int64 = string | number | { low: number; high: number; unsigned?: boolean };

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  /** A number, or "NaN", "Infinity", "-Infinity" as the JSON mapping writes those. */
  doubleValue?: number | string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  /** Base64. */
  bytesValue?: string;
}

export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

export interface OtlpLogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  /** The enum's number, or (JSON from some clients) its name, `SEVERITY_NUMBER_WARN`. */
  severityNumber?: number | string;
  severityText?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  /** Hexadecimal in OTLP/JSON (not base64, unlike other bytes). */
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpLogsRequest {
  resourceLogs?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: OtlpLogRecord[] }[];
  }[];
}

const base64ToHex = (s: unknown): string | undefined =>
  typeof s === 'string' ? Buffer.from(s, 'base64').toString('hex') : undefined;

/** Decodes an ExportLogsServiceRequest to its OTLP/JSON shape; throws on bytes that are not one. */
export function decodeExportLogsRequest(bytes: Uint8Array): OtlpLogsRequest {
  const request = requestType.toObject(requestType.decode(bytes), { longs: String, bytes: String }) as OtlpLogsRequest;
  for (const rl of request.resourceLogs ?? [])
    for (const sl of rl.scopeLogs ?? [])
      for (const r of sl.logRecords ?? []) {
        if (r.traceId !== undefined) r.traceId = base64ToHex(r.traceId);
        if (r.spanId !== undefined) r.spanId = base64ToHex(r.spanId);
      }
  return request;
}

const hexToBase64 = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : Buffer.from(s, 'hex').toString('base64');

/** Encodes an ExportLogsServiceRequest from its OTLP/JSON shape (for tests). */
export function encodeExportLogsRequest(body: OtlpLogsRequest): Uint8Array {
  const copy = structuredClone(body);
  for (const rl of copy.resourceLogs ?? [])
    for (const sl of rl.scopeLogs ?? [])
      for (const r of sl.logRecords ?? []) {
        r.traceId = hexToBase64(r.traceId);
        r.spanId = hexToBase64(r.spanId);
      }
  return requestType.encode(requestType.fromObject(copy)).finish();
}

export interface LogsPartialSuccess {
  rejectedLogRecords: number;
  errorMessage: string;
}

/** An ExportLogsServiceResponse; partial_success is set only when given, as the specification says. */
export function encodeExportLogsResponse(partial?: LogsPartialSuccess): Uint8Array {
  return responseType.encode(responseType.fromObject(partial ? { partialSuccess: partial } : {})).finish();
}

/** Decodes an ExportLogsServiceResponse (for tests and clients). */
export function decodeExportLogsResponse(bytes: Uint8Array): {
  partialSuccess?: { rejectedLogRecords?: string; errorMessage?: string };
} {
  return responseType.toObject(responseType.decode(bytes), { longs: String });
}

/** A google.rpc.Status, the body of an OTLP/HTTP failure (4xx, 5xx) to a protobuf request. */
export function encodeLogsStatus(code: number, message: string): Uint8Array {
  return statusType.encode(statusType.fromObject({ code, message })).finish();
}
