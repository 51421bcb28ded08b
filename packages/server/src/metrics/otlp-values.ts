/**
 * The OTLP/JSON shape of an ExportMetricsServiceRequest (protobuf bodies are
 * converted to it, otlp-proto.ts), and readers of its values: 64-bit
 * integers arrive as decimal strings (the JSON mapping), as numbers (some
 * clients), or as { low, high } pairs.
 */
export type Int64 = string | number | { low: number; high: number; unsigned?: boolean };

export interface KeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: Int64; doubleValue?: number; boolValue?: boolean };
}

interface PointBase {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  flags?: number;
}

export interface OtlpNumberPoint extends PointBase {
  asDouble?: number | string;
  asInt?: Int64;
}

export interface OtlpHistogramPoint extends PointBase {
  count?: Int64;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: Int64[];
  explicitBounds?: number[];
}

export interface OtlpExpHistogramPoint extends PointBase {
  count?: Int64;
  sum?: number;
  min?: number;
  max?: number;
  scale?: number;
  zeroCount?: Int64;
  positive?: { offset?: number; bucketCounts?: Int64[] };
  negative?: { offset?: number; bucketCounts?: Int64[] };
}

/** AGGREGATION_TEMPORALITY_DELTA = 1, AGGREGATION_TEMPORALITY_CUMULATIVE = 2. */
export const CUMULATIVE = 2;
/** DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK: the point marks a gap, it holds no value. */
export const NO_RECORDED_VALUE = 1;

export interface OtlpMetric {
  name?: string;
  unit?: string;
  gauge?: { dataPoints?: OtlpNumberPoint[] };
  sum?: { dataPoints?: OtlpNumberPoint[]; aggregationTemporality?: number | string; isMonotonic?: boolean };
  histogram?: { dataPoints?: OtlpHistogramPoint[]; aggregationTemporality?: number | string };
  exponentialHistogram?: { dataPoints?: OtlpExpHistogramPoint[]; aggregationTemporality?: number | string };
  summary?: { dataPoints?: unknown[] };
}

export interface OtlpRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { scope?: { name?: string }; metrics?: OtlpMetric[] }[];
  }[];
}

/** `x` when it is an array, else none: JSON bodies are the client's, whatever their shape. */
export function list<T>(x: T[] | undefined | null): T[] {
  return Array.isArray(x) ? x : [];
}

/** A 64-bit integer as a number (exact up to 2^53, as every stored value is a double); NaN when it is none. */
export function toNumber(v: Int64 | undefined): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v === '' ? NaN : Number(v);
  if (typeof v === 'object' && typeof v.low === 'number' && typeof v.high === 'number') {
    return (v.unsigned ? v.high >>> 0 : v.high) * 4294967296 + (v.low >>> 0);
  }
  return NaN;
}

/**
 * Nanoseconds since the epoch as milliseconds (0 when absent); a decimal string is cut, not rounded through a double.
 */
export function nanosToMs(v: Int64 | undefined): number {
  if (typeof v === 'string' && /^\d+$/.test(v)) return v.length > 6 ? Number(v.slice(0, -6)) : 0;
  const n = toNumber(v);
  return Number.isFinite(n) && n > 0 ? Math.floor(n / 1e6) : 0;
}

/** AGGREGATION_TEMPORALITY_CUMULATIVE, as a number or (in JSON from some clients) the enum's name. */
export function isCumulative(t: number | string | undefined): boolean {
  return t === CUMULATIVE || t === 'AGGREGATION_TEMPORALITY_CUMULATIVE' || t === '2';
}

/** Attributes whose values are strings, numbers or booleans, as strings (arrays, maps and bytes are left out). */
export function attributesOf(attrs: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list(attrs)) {
    const v = kv?.value;
    if (!v || typeof kv.key !== 'string') continue;
    let s: string | undefined;
    if (typeof v.stringValue === 'string') s = v.stringValue;
    else if (v.intValue !== undefined) s = typeof v.intValue === 'string' ? v.intValue : String(toNumber(v.intValue));
    else if (v.doubleValue !== undefined) s = String(v.doubleValue);
    else if (v.boolValue !== undefined) s = String(v.boolValue);
    if (s !== undefined) out[kv.key] = s;
  }
  return out;
}
