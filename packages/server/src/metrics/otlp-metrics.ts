/**
 * OTLP metrics (POST /v1/metrics, JSON or protobuf) as datapoints.
 *
 * - The namespace is the resource's `service.name` (else "OTLP"); the
 *   metric's name is the series name.
 * - Dimensions: the point's attributes, plus only the resource attributes
 *   the request names (`X-Tocsin-Resource-Dimensions`, `*` for all). So
 *   per-process attributes (`service.instance.id`, `process.pid`,
 *   `host.name`) do not split a series on every restart unless asked for.
 * - Gauges, delta sums and non-monotonic sums (an up-down counter's
 *   current value) are values as they are.
 * - Cumulative monotonic sums (the SDKs' default for counters) and
 *   cumulative histograms become deltas per series (otlp-cumulative.ts).
 * - Histograms (explicit and exponential) become a statistic set (count,
 *   sum, min, max) whose buckets fill the distribution (otlp-histogram.ts).
 * - Summaries are rejected (Tocsin keeps its own percentiles), as are
 *   points without a value and points more than 14 days old or 2 hours
 *   ahead; each is counted in OTLP's partial success with the reason.
 *   Points flagged "no recorded value" are skipped.
 */
import type { SeriesDatum } from './metric-service.js';
import { CumulativeState } from './otlp-cumulative.js';
import { bucketValues, exponentialHisto, explicitHisto, type Histo } from './otlp-histogram.js';
import {
  attributesOf,
  isCumulative,
  list,
  nanosToMs,
  NO_RECORDED_VALUE,
  toNumber,
  type OtlpMetric,
  type OtlpRequest,
} from './otlp-values.js';

export type { OtlpRequest } from './otlp-values.js';

/** Points are taken up to two weeks old and two hours ahead, as PutMetricData's. */
const OLDEST_MS = 14 * 86_400_000;
const AHEAD_MS = 2 * 3_600_000;

export interface OtlpOptions {
  /** Resource attributes (besides service.name) that become dimensions; '*' for all. */
  resourceDimensions: readonly string[] | '*';
}

export const defaultOtlpOptions: OtlpOptions = { resourceDimensions: [] };

export interface OtlpResult {
  data: SeriesDatum[];
  rejected: number;
  reasons: string[];
}

interface Context {
  namespace: string;
  /** The dimensions the resource gives every point. */
  dims: Record<string, string>;
  /** The series identity before attributes are dropped: the cumulative state's key prefix. */
  identity: string;
  now: number;
  out: OtlpResult;
  reasons: Set<string>;
}

const identityOf = (attrs: Record<string, string>): string =>
  JSON.stringify(
    Object.keys(attrs)
      .sort()
      .map((k) => [k, attrs[k]]),
  );

export class OtlpConverter {
  readonly state: CumulativeState;

  constructor(startedAt: number) {
    this.state = new CumulativeState(startedAt);
  }

  convert(body: OtlpRequest, now: number, options: OtlpOptions = defaultOtlpOptions): OtlpResult {
    const out: OtlpResult = { data: [], rejected: 0, reasons: [] };
    const reasons = new Set<string>();
    for (const rm of list(body.resourceMetrics)) {
      const resource = attributesOf(rm?.resource?.attributes);
      const namespace = resource['service.name'] || 'OTLP';
      const dims: Record<string, string> = {};
      for (const [k, v] of Object.entries(resource)) {
        if (k !== 'service.name' && (options.resourceDimensions === '*' || options.resourceDimensions.includes(k)))
          dims[k] = v;
      }
      for (const sm of list(rm?.scopeMetrics)) {
        const identity = `${identityOf(resource)}|${sm?.scope?.name ?? ''}`;
        for (const m of list(sm?.metrics)) {
          try {
            this.metric(m, { namespace, dims, identity, now, out, reasons });
          } catch (err) {
            // A shape no field check foresaw: the metric is refused, never the request.
            out.rejected += 1;
            reasons.add(`${typeof m?.name === 'string' ? m.name : '(unnamed)'}: malformed (${(err as Error).message})`);
          }
        }
      }
    }
    out.reasons = [...reasons];
    return out;
  }

  private metric(m: OtlpMetric, ctx: Context): void {
    const reject = (n: number, reason: string) => {
      ctx.out.rejected += n;
      ctx.reasons.add(reason);
    };
    const name = typeof m?.name === 'string' ? m.name : '';
    const data = m?.gauge ?? m?.sum ?? m?.histogram ?? m?.exponentialHistogram;
    if (m?.summary) {
      reject(
        list(m.summary.dataPoints).length || 1,
        `${name || '(unnamed)'}: summaries are not taken; send a histogram`,
      );
      return;
    }
    if (!data) {
      reject(1, `${name || '(unnamed)'}: a metric without gauge, sum or histogram data`);
      return;
    }
    const points = list(data.dataPoints);
    if (!name) {
      reject(points.length, 'a metric without a name');
      return;
    }
    const unit = typeof m.unit === 'string' && m.unit ? m.unit : undefined;
    for (const p of points) {
      if (!p || typeof p !== 'object') {
        reject(1, `${name}: a datapoint that is not an object`);
        continue;
      }
      if ((p.flags ?? 0) & NO_RECORDED_VALUE) continue;
      const attrs = attributesOf(p.attributes);
      const dimensions = { ...ctx.dims, ...attrs };
      const at = nanosToMs(p.timeUnixNano) || ctx.now;
      if (at < ctx.now - OLDEST_MS || at > ctx.now + AHEAD_MS) {
        reject(1, `${name}: a time more than 14 days ago or 2 hours ahead`);
        continue;
      }
      const start = nanosToMs(p.startTimeUnixNano);
      const id = `${ctx.identity}|${name}|${identityOf(attrs)}`;
      const base = { namespace: ctx.namespace, name, dimensions, unit, at };
      if (m.gauge || m.sum) {
        const np = p as { asDouble?: number | string; asInt?: Parameters<typeof toNumber>[0] };
        const value =
          np.asDouble !== undefined ? Number(np.asDouble) : np.asInt !== undefined ? toNumber(np.asInt) : undefined;
        if (value === undefined || !Number.isFinite(value)) {
          reject(1, `${name}: a datapoint without a finite asDouble or asInt`);
          continue;
        }
        let v: number | undefined = value;
        if (m.sum?.isMonotonic && isCumulative(m.sum.aggregationTemporality))
          v = this.state.sumDelta(id, start, at, value);
        if (v !== undefined) ctx.out.data.push({ ...base, count: 1, sum: v, min: v, max: v });
        continue;
      }
      const h = m.histogram ? explicitHisto(p) : exponentialHisto(p);
      if (!Number.isFinite(h.count) || h.count < 0 || (h.sum !== undefined && !Number.isFinite(h.sum))) {
        reject(1, `${name}: a histogram point without a valid count and sum`);
        continue;
      }
      const temporality = (m.histogram ?? m.exponentialHistogram)!.aggregationTemporality;
      const delta = isCumulative(temporality) ? this.state.histogramDelta(id, start, at, h) : h;
      if (!delta || delta.count === 0) continue;
      const stats = histogramDatum(delta);
      if (stats) ctx.out.data.push({ ...base, ...stats });
      else reject(1, `${name}: a histogram point with neither a sum nor buckets`);
    }
  }
}

/** The statistic set of a histogram (or of its delta), with its buckets as weighted values. */
function histogramDatum(h: Histo): Pick<SeriesDatum, 'count' | 'sum' | 'min' | 'max' | 'values'> | undefined {
  let values = bucketValues(h);
  const weight = values.reduce((n, v) => n + v.weight, 0);
  // Buckets that do not add up to the count cannot stand for its distribution.
  if (weight !== h.count) values = [];
  if (h.sum === undefined && !values.length) return undefined;
  let min = h.min;
  let max = h.max;
  if (min === undefined || max === undefined) {
    const seen = values.map((v) => v.value);
    min ??= seen.length ? Math.min(...seen) : (h.sum ?? 0) / h.count;
    max ??= seen.length ? Math.max(...seen) : (h.sum ?? 0) / h.count;
  }
  const sum = h.sum ?? values.reduce((s, v) => s + v.value * v.weight, 0);
  return { count: h.count, sum, min, max, values: values.length ? values : undefined };
}
