/**
 * Datapoints made from log lines, folded in memory per series and second
 * (count, sum, min, max and the distribution of values), so that a burst of
 * lines is one datapoint a second per series, never one per line. The log
 * metrics module drains it into the metric sink once a second.
 *
 * State: series → second (and resolution) → bucket; `drain` empties it.
 */
import type { SeriesDatum } from '../../metrics/metric-service.js';
import { seriesKeyOf } from '../../metrics/series-key.js';

/** Distinct values kept per bucket for percentiles; past it the bucket keeps only its statistic set. */
export const MAX_DISTINCT_VALUES = 1000;

interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Value → weight; null once over MAX_DISTINCT_VALUES. */
  values: Map<number, number> | null;
}

interface Series {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  unit?: string;
  resolution: 1 | 60;
  buckets: Map<number, Bucket>;
}

export class SeriesBuckets {
  private series = new Map<string, Series>();
  private pending = 0;

  /** Buckets waiting for the next drain. */
  get size(): number {
    return this.pending;
  }

  /** Adds `weight` samples of `value` at `at` (epoch ms, taken to its second). */
  add(
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
    at: number,
    value: number,
    options: { unit?: string; resolution?: 1 | 60; weight?: number } = {},
  ): void {
    const resolution = options.resolution ?? 60;
    // One series a resolution: a line may not mix them (EMF's rule), and a mixed bucket would store as neither.
    const key =
      resolution === 1 ? `1|${seriesKeyOf(namespace, name, dimensions)}` : seriesKeyOf(namespace, name, dimensions);
    let s = this.series.get(key);
    if (!s) {
      s = { namespace, name, dimensions, unit: options.unit, resolution, buckets: new Map() };
      this.series.set(key, s);
    }
    const second = at - (at % 1000);
    const weight = options.weight ?? 1;
    let b = s.buckets.get(second);
    if (!b) {
      b = { count: 0, sum: 0, min: value, max: value, values: new Map() };
      s.buckets.set(second, b);
      this.pending++;
    }
    b.count += weight;
    b.sum += value * weight;
    if (value < b.min) b.min = value;
    if (value > b.max) b.max = value;
    if (b.values) {
      b.values.set(value, (b.values.get(value) ?? 0) + weight);
      if (b.values.size > MAX_DISTINCT_VALUES) b.values = null;
    }
  }

  /** Every bucket as a datapoint, and forgets them. */
  drain(): SeriesDatum[] {
    const out: SeriesDatum[] = [];
    for (const s of this.series.values()) {
      for (const [at, b] of s.buckets) {
        const d: SeriesDatum = {
          namespace: s.namespace,
          name: s.name,
          dimensions: s.dimensions,
          at,
          count: b.count,
          sum: b.sum,
          min: b.min,
          max: b.max,
        };
        if (s.unit !== undefined) d.unit = s.unit;
        if (s.resolution === 1) d.storageResolution = 1;
        // One value is the datapoint itself; several keep their distribution.
        if (b.values && b.values.size > 1) d.values = [...b.values].map(([value, weight]) => ({ value, weight }));
        out.push(d);
      }
    }
    this.series.clear();
    this.pending = 0;
    return out;
  }
}
