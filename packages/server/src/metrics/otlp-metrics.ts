/**
 * OTLP/HTTP JSON metrics (POST /v1/metrics): gauges and sums become
 * datapoints. The namespace is the resource's service.name (else "OTLP");
 * dimensions are the resource's and the datapoint's string attributes.
 * Histograms and summaries are not taken: they are counted as rejected in
 * OTLP's partial-success answer, with the reason.
 */
import type { SeriesDatum } from './metric-service.js';

interface KeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

interface NumberDataPoint {
  attributes?: KeyValue[];
  timeUnixNano?: string | number;
  asDouble?: number;
  asInt?: string | number;
}

interface OtlpMetric {
  name?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberDataPoint[] };
  sum?: { dataPoints?: NumberDataPoint[] };
  histogram?: { dataPoints?: unknown[] };
  exponentialHistogram?: { dataPoints?: unknown[] };
  summary?: { dataPoints?: unknown[] };
}

export interface OtlpRequest {
  resourceMetrics?: { resource?: { attributes?: KeyValue[] }; scopeMetrics?: { metrics?: OtlpMetric[] }[] }[];
}

function attributes(list: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    if (!v) continue;
    const s = v.stringValue ?? (v.intValue !== undefined ? String(v.intValue) : v.doubleValue !== undefined ? String(v.doubleValue) : v.boolValue !== undefined ? String(v.boolValue) : undefined);
    if (s !== undefined) out[kv.key] = s;
  }
  return out;
}

export function otlpDatums(body: OtlpRequest, now: number): { data: SeriesDatum[]; rejected: number; reasons: string[] } {
  const data: SeriesDatum[] = [];
  let rejected = 0;
  const reasons = new Set<string>();
  for (const rm of body.resourceMetrics ?? []) {
    const resource = attributes(rm.resource?.attributes);
    const namespace = resource['service.name'] ?? 'OTLP';
    delete resource['service.name'];
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const points = m.gauge?.dataPoints ?? m.sum?.dataPoints;
        if (!points) {
          const other = m.histogram ?? m.exponentialHistogram ?? m.summary;
          rejected += other?.dataPoints?.length ?? 1;
          reasons.add(`${m.name ?? '(unnamed)'}: only gauge and sum metrics are taken`);
          continue;
        }
        if (!m.name) {
          rejected += points.length;
          reasons.add('a metric without a name');
          continue;
        }
        for (const p of points) {
          const value = p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : undefined);
          if (value === undefined || !Number.isFinite(value)) {
            rejected++;
            reasons.add(`${m.name}: a datapoint without asDouble or asInt`);
            continue;
          }
          const at = p.timeUnixNano !== undefined && Number(p.timeUnixNano) > 0 ? Math.floor(Number(BigInt(String(p.timeUnixNano)) / 1_000_000n)) : now;
          data.push({ namespace, name: m.name, dimensions: { ...resource, ...attributes(p.attributes) }, unit: m.unit || undefined, at, count: 1, sum: value, min: value, max: value });
        }
      }
    }
  }
  return { data, rejected, reasons: [...reasons] };
}
