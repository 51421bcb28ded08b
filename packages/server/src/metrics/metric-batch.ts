/**
 * The ingest log's record format and its aggregation into stored rows.
 *
 * An acknowledged batch is one `metric_ingest` row: a Float64Array of
 * SLOTS numbers a datapoint (series, time, count, sum, min, max, flags),
 * written in one sequential insert however many series it touches. The
 * indexer (metric-indexer.ts) later folds many such rows into
 * `metric_datapoints`: one row per series and storage bucket — the minute
 * for standard resolution, the second for high resolution
 * (StorageResolution 1) — as CloudWatch keeps them, with the single values'
 * distribution for percentiles.
 */
import { Distribution } from './distribution.js';
import type { DatapointRow } from './metric-store.js';

export const SLOTS = 7;
/** The datapoint is one or more single values (min = max = the value, count its weight), so it has a distribution. */
export const FLAG_VALUES = 1;
/** StorageResolution 1: kept per second instead of per minute. */
export const FLAG_HIGH_RES = 2;

/** A growable batch of encoded datapoints. */
export class BatchBuilder {
  data = new Float64Array(SLOTS * 64);
  length = 0;

  push(series: number, at: number, count: number, sum: number, min: number, max: number, flags: number): void {
    if ((this.length + 1) * SLOTS > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const o = this.length++ * SLOTS;
    const d = this.data;
    d[o] = series;
    d[o + 1] = at;
    d[o + 2] = count;
    d[o + 3] = sum;
    d[o + 4] = min;
    d[o + 5] = max;
    d[o + 6] = flags;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length * SLOTS);
  }
}

export interface AggregateRow extends DatapointRow {
  /** Weight of single values folded in; a row of exactly one single value needs no stored distribution. */
  valueWeight: number;
  dist: Distribution | null;
}

/** Folds encoded datapoints into per-series, per-bucket rows. */
export class Aggregator {
  private readonly bySeries = new Map<number, Map<number, AggregateRow>>();
  datapoints = 0;

  add(arr: Float64Array): void {
    for (let o = 0; o < arr.length; o += SLOTS) {
      const seriesNum = arr[o];
      const flags = arr[o + 6];
      const bucket = flags & FLAG_HIGH_RES ? 1000 : 60_000;
      const at = Math.floor(arr[o + 1] / bucket) * bucket;
      let buckets = this.bySeries.get(seriesNum);
      if (!buckets) this.bySeries.set(seriesNum, (buckets = new Map()));
      let row = buckets.get(at);
      const count = arr[o + 2];
      if (!row) {
        buckets.set(at, (row = { seriesNum, at, count: 0, sum: 0, min: Infinity, max: -Infinity, valueWeight: 0, dist: null }));
      }
      row.count += count;
      row.sum += arr[o + 3];
      if (arr[o + 4] < row.min) row.min = arr[o + 4];
      if (arr[o + 5] > row.max) row.max = arr[o + 5];
      if (flags & FLAG_VALUES) {
        row.valueWeight += count;
        (row.dist ??= new Distribution()).add(arr[o + 4], count);
      }
      this.datapoints++;
    }
  }

  /** The rows, each with its distribution encoded unless it is one plain value (count 1, read back as its sum). */
  rows(): (DatapointRow & { detail: Buffer | null })[] {
    const out: (DatapointRow & { detail: Buffer | null })[] = [];
    for (const buckets of this.bySeries.values()) {
      for (const r of buckets.values()) {
        const plain = r.count === 1 && r.valueWeight === 1;
        out.push({ seriesNum: r.seriesNum, at: r.at, count: r.count, sum: r.sum, min: r.min, max: r.max, detail: plain || !r.dist ? null : r.dist.encode() });
      }
    }
    return out;
  }
}
