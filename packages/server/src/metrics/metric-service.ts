/**
 * Metrics: a series is a namespace, a name and dimensions; a datapoint is a
 * value or a statistic set at a time. Ingest from the API (CloudWatch's
 * PutMetricData shape, OTLP) and from inside Tocsin (check latencies,
 * group sizes) is acknowledged once its batch is in the ingest log (one
 * group-committed row per batch); the indexer folds the log into one
 * stored row per series and minute (a second at high resolution). Raw
 * rows are kept 15 days, per-minute rollups a year.
 */
import type { Kysely } from 'kysely';
import { isPlainPutMetricData, putMetricDataSchema, type PutMetricData } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import { GroupCommit } from '../core/group-commit.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/db-schema.js';
import { BatchBuilder, FLAG_HIGH_RES, FLAG_VALUES, batchOf, recordLength } from './metric-batch.js';
import { appendBatch } from './ingest-log-store.js';
import { MetricIndexer } from './metric-indexer.js';
import * as store from './metric-store.js';
import { listRollups } from './rollup-store.js';
import { defaultOtlpOptions, OtlpConverter, type OtlpOptions, type OtlpRequest } from './otlp-metrics.js';
import { seriesKey, seriesKeyOf, type Dimension } from './series-key.js';
import { periodValues, type StatRow } from './statistics.js';

export interface SeriesDatum {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  unit?: string;
  at: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /**
   * The datapoint's distribution (a histogram's buckets): values with weights adding up to `count`,
   * for percentiles; `count`, `sum`, `min` and `max` stay the exact statistics.
   */
  values?: { value: number; weight: number }[];
  /** 1: kept per second (high resolution, as PutMetricData's StorageResolution 1); per minute otherwise. */
  storageResolution?: 1 | 60;
}

export function canonicalDimensions(d: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(d)
        .sort()
        .map((k) => [k, d[k]]),
    ),
  );
}

const DAY = 86_400_000;
/** PutMetricData takes datapoints up to two weeks old and two hours ahead, as CloudWatch does. */
const OLDEST_MS = 14 * DAY;
const AHEAD_MS = 2 * 3600_000;

interface NewSeries {
  /** The series cache key (seriesKey). */
  key: string;
  namespace: string;
  name: string;
  dimensions: string;
  unit: string | null;
}

/**
 * One request's datapoints, encoded; series not yet known carry -(index into `unknown`) - 1 until the write resolves
 * them.
 */
interface Pending {
  data: Float64Array;
  /** Datapoints in `data`. */
  count: number;
  unknown: NewSeries[];
}

const dimsOf = (dims: readonly Dimension[] | undefined): Record<string, string> =>
  Object.fromEntries((dims ?? []).map((d) => [d.Name, d.Value]));

export class MetricService {
  private readonly series = new Map<string, number>();
  private readonly writer: GroupCommit<Pending, undefined>;
  private readonly db: Kysely<Database>;
  private readonly readDatapoints: store.DatapointReader;
  readonly indexer: MetricIndexer;
  /** OTLP's cumulative series, turned into deltas (in this node's memory). */
  readonly otlp: OtlpConverter;

  constructor(
    handle: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.db = handle.db;
    this.writer = new GroupCommit((batches) => this.write(batches), 200);
    this.indexer = new MetricIndexer(handle.db, handle.dialect, logger);
    this.readDatapoints = store.datapointReader(handle);
    this.otlp = new OtlpConverter(clock.now());
  }

  /** Validates and durably stores a PutMetricData body; resolves with the number of datapoints. */
  async put(body: unknown): Promise<number> {
    let data: PutMetricData;
    if (isPlainPutMetricData(body)) data = body;
    else {
      const parsed = putMetricDataSchema.safeParse(body);
      if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
      data = parsed.data;
    }
    const pending = this.encodePut(data, this.clock.now());
    await this.writer.submit(pending);
    return pending.count;
  }

  /** Stores OTLP metrics (a decoded ExportMetricsServiceRequest); answers as OTLP's partial success says. */
  async putOtlp(
    body: OtlpRequest,
    options: OtlpOptions = defaultOtlpOptions,
  ): Promise<{ partialSuccess?: { rejectedDataPoints: number; errorMessage: string } }> {
    const { data, rejected, reasons } = this.otlp.convert(body, this.clock.now(), options);
    if (data.length) await this.writer.submit(this.encodeData(data));
    return rejected ? { partialSuccess: { rejectedDataPoints: rejected, errorMessage: reasons.join('; ') } } : {};
  }

  /** Records datapoints from inside Tocsin; written with the next batch, not awaited. */
  record(data: SeriesDatum[]): void {
    this.writer
      .submit(this.encodeData(data))
      .catch((err) => this.logger.warn('internal datapoints were not stored', { datapoints: data.length, err }));
  }

  /** Resolves once everything submitted so far is written and indexed. */
  async drain(): Promise<void> {
    await this.writer.drain();
    await this.indexer.caughtUp();
  }

  async close(): Promise<void> {
    await this.writer.drain();
    await this.indexer.close();
  }

  async list(namespace?: string) {
    return (await store.listSeries(this.db, namespace)).map((s) => ({
      namespace: s.namespace,
      name: s.name,
      dimensions: JSON.parse(s.dimensions) as Record<string, string>,
      unit: s.unit,
    }));
  }

  /** Values of a statistic for `n` periods ending at `end`, oldest first (null where a period has no data). */
  async periods(
    key: { namespace: string; name: string; dimensions: Record<string, string> },
    statistic: string,
    periodMs: number,
    end: number,
    n: number,
  ) {
    await this.indexer.caughtUp();
    const cacheKey = seriesKeyOf(key.namespace, key.name, key.dimensions);
    let num = this.series.get(cacheKey);
    if (num === undefined) {
      num = await store.findSeries(this.db, {
        namespace: key.namespace,
        name: key.name,
        dimensions: canonicalDimensions(key.dimensions),
      });
      if (num === undefined) return periodValues([], end, periodMs, n, statistic);
      this.series.set(cacheKey, num);
    }
    const from = end - n * periodMs;
    // Raw datapoints for the last 14 days; per-minute rollups before that.
    const rawFrom = Math.max(from, this.clock.now() - OLDEST_MS);
    const rows: StatRow[] = rawFrom < end ? await this.readDatapoints(num, rawFrom, end) : [];
    if (from < rawFrom) rows.unshift(...(await listRollups(this.db, num, from, rawFrom)));
    return periodValues(rows, end, periodMs, n, statistic);
  }

  /** The series number of a key, or a placeholder for a new series resolved when the batch is written. */
  private slot(
    key: string,
    pending: Pending,
    unknownSlots: Map<string, number>,
    make: () => Omit<NewSeries, 'key'>,
  ): number {
    const num = this.series.get(key);
    if (num !== undefined) return num;
    let slot = unknownSlots.get(key);
    if (slot === undefined) {
      pending.unknown.push({ key, ...make() });
      slot = -pending.unknown.length;
      unknownSlots.set(key, slot);
    }
    return slot;
  }

  private encodePut(body: PutMetricData, now: number): Pending {
    const out = new BatchBuilder();
    const pending: Pending = { data: out.data, count: 0, unknown: [] };
    const unknownSlots = new Map<string, number>();
    const times = new Map<string, number>();
    for (let i = 0; i < body.MetricData.length; i++) {
      const d = body.MetricData[i];
      const ts = d.Timestamp;
      let at = now;
      if (typeof ts === 'number') at = ts * 1000;
      else if (ts !== undefined) {
        at = times.get(ts) ?? Date.parse(ts);
        times.set(ts, at);
      }
      if (at < now - OLDEST_MS || at > now + AHEAD_MS)
        throw invalid([
          { path: `MetricData.${i}.Timestamp`, message: 'must be within the last 14 days and at most 2 hours ahead' },
        ]);
      const key = seriesKey(body.Namespace, d.MetricName, d.Dimensions);
      const series = this.slot(key, pending, unknownSlots, () => ({
        namespace: body.Namespace,
        name: d.MetricName,
        dimensions: canonicalDimensions(dimsOf(d.Dimensions)),
        unit: d.Unit ?? null,
      }));
      const res = d.StorageResolution === 1 ? FLAG_HIGH_RES : 0;
      if (d.Value !== undefined) out.push(series, at, 1, d.Value, d.Value, d.Value, FLAG_VALUES | res);
      else if (d.StatisticValues) {
        const sv = d.StatisticValues;
        out.push(series, at, sv.SampleCount, sv.Sum, sv.Minimum, sv.Maximum, res);
      } else {
        const values = d.Values!;
        for (let j = 0; j < values.length; j++) {
          const c = d.Counts?.[j] ?? 1;
          out.push(series, at, c, values[j] * c, values[j], values[j], FLAG_VALUES | res);
        }
      }
    }
    pending.data = out.view();
    pending.count = out.count;
    return pending;
  }

  private encodeData(data: readonly SeriesDatum[]): Pending {
    const out = new BatchBuilder();
    const pending: Pending = { data: out.data, count: 0, unknown: [] };
    const unknownSlots = new Map<string, number>();
    for (const d of data) {
      const series = this.slot(seriesKeyOf(d.namespace, d.name, d.dimensions), pending, unknownSlots, () => ({
        namespace: d.namespace,
        name: d.name,
        dimensions: canonicalDimensions(d.dimensions),
        unit: d.unit ?? null,
      }));
      const res = d.storageResolution === 1 ? FLAG_HIGH_RES : 0;
      if (d.values) {
        // The values carry the count and the distribution; one record of count 0 then adds the exact sum, min and max.
        for (const v of d.values) out.push(series, d.at, v.weight, 0, v.value, v.value, FLAG_VALUES | res);
        out.push(series, d.at, 0, d.sum, d.min, d.max, res);
        continue;
      }
      // A datapoint of one sample is a single value, with a place in the distribution; more is a statistic set.
      const single = d.count === 1 && d.min === d.max ? FLAG_VALUES : 0;
      out.push(series, d.at, d.count, d.sum, d.min, d.max, single | res);
    }
    pending.data = out.view();
    pending.count = out.count;
    return pending;
  }

  /** One transaction a batch: makes the new series, then appends one log row with every request's datapoints. */
  private async write(batches: Pending[]): Promise<undefined[]> {
    // Each new series once, though several requests of the batch name it: its place in `fresh`, by key.
    const fresh: NewSeries[] = [];
    const place = new Map<string, number>();
    for (const b of batches) for (const u of b.unknown) if (!place.has(u.key)) place.set(u.key, fresh.push(u) - 1);
    let batch: Float64Array | undefined;
    const { nums, logId } = await appendBatch(this.db, fresh, this.clock.now(), (made) => {
      for (const b of batches) {
        if (!b.unknown.length) continue;
        const bnums = b.unknown.map((u) => made[place.get(u.key)!]);
        for (let o = 0; o < b.data.length; o += recordLength(b.data, o))
          if (b.data[o] < 0) b.data[o] = bnums[-b.data[o] - 1];
      }
      const datapoints = batches.reduce((n, b) => n + b.count, 0);
      if (!datapoints) return undefined;
      batch = batchOf(batches.map((b) => b.data));
      return { datapoints, batch };
    });
    // Known only once the transaction that made them has committed.
    for (let i = 0; i < fresh.length; i++) this.series.set(fresh[i].key, nums[i]);
    if (logId !== undefined) this.indexer.noteAcked(logId, batch!);
    return batches.map(() => undefined);
  }
}
