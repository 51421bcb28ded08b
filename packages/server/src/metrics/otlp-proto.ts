/**
 * OTLP/HTTP protobuf bodies (Content-Type: application/x-protobuf), decoded
 * and encoded with protobufjs from the message definitions of
 * opentelemetry-proto v1.11.0 (collector/metrics/v1/metrics_service.proto,
 * metrics/v1/metrics.proto, common/v1/common.proto, resource/v1/resource.proto).
 *
 * Only the fields Tocsin reads are declared: protobuf decoders skip unknown
 * fields, so exemplars, entity refs, schema URLs, descriptions and metadata
 * cost no decoding. A decoded request is converted to the shape of the
 * OTLP/JSON mapping (camelCase names, 64-bit integers as decimal strings),
 * so one reader (otlp-metrics.ts) takes both encodings.
 */
import protobuf from 'protobufjs';
import type { OtlpRequest } from './otlp-metrics.js';

type FieldSpec = [id: number, type: string, rule?: 'repeated'];

const KV = 'opentelemetry.proto.common.v1.KeyValue';

/** Message name → field name → [field number, type, rule], as in the .proto files. */
const messages: Record<string, Record<string, FieldSpec>> = {
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest': {
    resourceMetrics: [1, 'opentelemetry.proto.metrics.v1.ResourceMetrics', 'repeated'],
  },
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse': {
    partialSuccess: [1, 'ExportMetricsPartialSuccess'],
  },
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess': {
    rejectedDataPoints: [1, 'int64'],
    errorMessage: [2, 'string'],
  },
  'opentelemetry.proto.metrics.v1.ResourceMetrics': {
    resource: [1, 'opentelemetry.proto.resource.v1.Resource'],
    scopeMetrics: [2, 'ScopeMetrics', 'repeated'],
  },
  'opentelemetry.proto.metrics.v1.ScopeMetrics': {
    scope: [1, 'opentelemetry.proto.common.v1.InstrumentationScope'],
    metrics: [2, 'Metric', 'repeated'],
  },
  'opentelemetry.proto.metrics.v1.Metric': {
    name: [1, 'string'],
    unit: [3, 'string'],
    gauge: [5, 'Gauge'],
    sum: [7, 'Sum'],
    histogram: [9, 'Histogram'],
    exponentialHistogram: [10, 'ExponentialHistogram'],
    summary: [11, 'Summary'],
  },
  'opentelemetry.proto.metrics.v1.Gauge': { dataPoints: [1, 'NumberDataPoint', 'repeated'] },
  'opentelemetry.proto.metrics.v1.Sum': {
    dataPoints: [1, 'NumberDataPoint', 'repeated'],
    aggregationTemporality: [2, 'int32'],
    isMonotonic: [3, 'bool'],
  },
  'opentelemetry.proto.metrics.v1.Histogram': {
    dataPoints: [1, 'HistogramDataPoint', 'repeated'],
    aggregationTemporality: [2, 'int32'],
  },
  'opentelemetry.proto.metrics.v1.ExponentialHistogram': {
    dataPoints: [1, 'ExponentialHistogramDataPoint', 'repeated'],
    aggregationTemporality: [2, 'int32'],
  },
  'opentelemetry.proto.metrics.v1.Summary': { dataPoints: [1, 'SummaryDataPoint', 'repeated'] },
  'opentelemetry.proto.metrics.v1.NumberDataPoint': {
    attributes: [7, KV, 'repeated'],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    asDouble: [4, 'double'],
    asInt: [6, 'sfixed64'],
    flags: [8, 'uint32'],
  },
  'opentelemetry.proto.metrics.v1.HistogramDataPoint': {
    attributes: [9, KV, 'repeated'],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    bucketCounts: [6, 'fixed64', 'repeated'],
    explicitBounds: [7, 'double', 'repeated'],
    flags: [10, 'uint32'],
    min: [11, 'double'],
    max: [12, 'double'],
  },
  'opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint': {
    attributes: [1, KV, 'repeated'],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    scale: [6, 'sint32'],
    zeroCount: [7, 'fixed64'],
    positive: [8, 'Buckets'],
    negative: [9, 'Buckets'],
    flags: [10, 'uint32'],
    min: [12, 'double'],
    max: [13, 'double'],
  },
  'opentelemetry.proto.metrics.v1.Buckets': { offset: [1, 'sint32'], bucketCounts: [2, 'uint64', 'repeated'] },
  'opentelemetry.proto.metrics.v1.SummaryDataPoint': {
    attributes: [7, KV, 'repeated'],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    flags: [8, 'uint32'],
  },
  'opentelemetry.proto.common.v1.AnyValue': {
    stringValue: [1, 'string'],
    boolValue: [2, 'bool'],
    intValue: [3, 'int64'],
    doubleValue: [4, 'double'],
  },
  'opentelemetry.proto.common.v1.KeyValue': { key: [1, 'string'], value: [2, 'AnyValue'] },
  'opentelemetry.proto.common.v1.InstrumentationScope': { name: [1, 'string'], version: [2, 'string'] },
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
  // The exponential histogram's Buckets is a nested message of its data point in the .proto file; the wire format is
  // the same.
  root.resolveAll();
  return root;
}

const root = buildRoot();
const requestType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
const responseType = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
const statusType = root.lookupType('google.rpc.Status');

/** Decodes an ExportMetricsServiceRequest; throws on bytes that are not one (the caller answers 400). */
export function decodeExportRequest(bytes: Uint8Array): OtlpRequest {
  const message = requestType.decode(bytes);
  return requestType.toObject(message, { longs: String }) as OtlpRequest;
}

/** An ExportMetricsServiceResponse; partial_success is set only when given, as the specification says. */
export function encodeExportResponse(partial?: { rejectedDataPoints: number; errorMessage: string }): Uint8Array {
  return responseType.encode(responseType.fromObject(partial ? { partialSuccess: partial } : {})).finish();
}

/** A google.rpc.Status, the body of an OTLP/HTTP failure (4xx, 5xx) to a protobuf request. */
export function encodeStatus(code: number, message: string): Uint8Array {
  return statusType.encode(statusType.fromObject({ code, message })).finish();
}

/** Encodes an ExportMetricsServiceRequest from its OTLP/JSON shape (for tests). */
export function encodeExportRequest(body: OtlpRequest): Uint8Array {
  return requestType.encode(requestType.fromObject(body)).finish();
}

/** Decodes an ExportMetricsServiceResponse (for tests and clients). */
export function decodeExportResponse(bytes: Uint8Array): {
  partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string };
} {
  return responseType.toObject(responseType.decode(bytes), { longs: String });
}

/** Decodes a google.rpc.Status (for tests and clients). */
export function decodeStatus(bytes: Uint8Array): { code?: number; message?: string } {
  return statusType.toObject(statusType.decode(bytes));
}
