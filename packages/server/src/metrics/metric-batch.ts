/**
 * The ingest log's record format and its aggregation into stored rows.
 *
 * An acknowledged batch is one `metric_ingest` row: a Float64Array of a
 * format number, then one record a datapoint, written in one sequential
 * insert however many series it touches. A record is
 * [series, time, flags, value] for a plain value (the common case, 32
 * bytes) or [series, time, flags, count, sum, min, max]. The indexer
 * (metric-indexer.ts) later folds many such rows into `metric_datapoints`:
 * one row per series and storage bucket — the minute for standard
 * resolution, the second for high resolution (StorageResolution 1) — as
 * CloudWatch keeps them, with the single values' distribution for
 * percentiles.
 */
import { Distribution } from './distribution.js';
import type { DatapointRow } from './metric-store.js';

/** The first number of every batch; a batch of another format is refused, not misread. */
export const BATCH_FORMAT = 2;
/** The datapoint is one or more single values (min = max = the value, count its weight), so it has a distribution. */
export const FLAG_VALUES = 1;
/** StorageResolution 1: kept per second instead of per minute. */
export const FLAG_HIGH_RES = 2;
/** A plain value: count 1, and the value stands for sum, min and max; its record is 4 numbers instead of 7. */
const FLAG_PLAIN = 4;

/** The length of the record at offset `o`. */
export const recordLength = (arr: Float64Array, o: number): number => (arr[o + 2] & FLAG_PLAIN ? 4 : 7);

/** A growable batch of encoded records (without the format number: `batchOf` joins them). */
export class BatchBuilder {
  data = new Float64Array(256);
  length = 0;
  /** Datapoints pushed. */
  count = 0;

  push(series: number, at: number, count: number, sum: number, min: number, max: number, flags: number): void {
    if (this.length + 7 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const d = this.data;
    const o = this.length;
    d[o] = series;
    d[o + 1] = at;
    this.count++;
    if (flags & FLAG_VALUES && count === 1 && sum === min && min === max) {
      d[o + 2] = flags | FLAG_PLAIN;
      d[o + 3] = sum;
      this.length += 4;
      return;
    }
    d[o + 2] = flags;
    d[o + 3] = count;
    d[o + 4] = sum;
    d[o + 5] = min;
    d[o + 6] = max;
    this.length += 7;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** One log batch: the format number, then the records of each part in turn. */
export function batchOf(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(1 + parts.reduce((n, p) => n + p.length, 0));
  out[0] = BATCH_FORMAT;
  let offset = 1;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
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

  /** Folds one log batch (with its format number). */
  add(batch: Float64Array): void {
    if (batch[0] !== BATCH_FORMAT) throw new Error(`metric batch of format ${batch[0]}, not ${BATCH_FORMAT}`);
    for (let o = 1; o < batch.length; o += recordLength(batch, o)) {
      const seriesNum = batch[o];
      const flags = batch[o + 2];
      const bucket = flags & FLAG_HIGH_RES ? 1000 : 60_000;
      const at = Math.floor(batch[o + 1] / bucket) * bucket;
      let buckets = this.bySeries.get(seriesNum);
      if (!buckets) {
        buckets = new Map();
        this.bySeries.set(seriesNum, buckets);
      }
      let row = buckets.get(at);
      if (!row) {
        row = { seriesNum, at, count: 0, sum: 0, min: Infinity, max: -Infinity, valueWeight: 0, dist: null };
        buckets.set(at, row);
      }
      const plain = flags & FLAG_PLAIN;
      const count = plain ? 1 : batch[o + 3];
      const sum = plain ? batch[o + 3] : batch[o + 4];
      const min = plain ? sum : batch[o + 5];
      const max = plain ? sum : batch[o + 6];
      row.count += count;
      row.sum += sum;
      if (min < row.min) row.min = min;
      if (max > row.max) row.max = max;
      if (flags & FLAG_VALUES) {
        row.valueWeight += count;
        row.dist ??= new Distribution();
        row.dist.add(min, count);
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
        out.push({
          seriesNum: r.seriesNum,
          at: r.at,
          count: r.count,
          sum: r.sum,
          min: r.min,
          max: r.max,
          detail: plain || !r.dist ? null : r.dist.encode(),
        });
      }
    }
    return out;
  }
}
