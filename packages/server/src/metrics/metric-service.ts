/**
 * Metrics: a series is a namespace, a name and dimensions; a datapoint is a
 * value or a statistic set at a time. Ingest from the API (CloudWatch's
 * PutMetricData shape) and from inside Tocsin (check latencies, group
 * sizes) goes through one group-committed writer; raw datapoints are kept
 * 15 days.
 */
import type { Kysely } from 'kysely';
import { putMetricDataSchema, type PutMetricData } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import { GroupCommit } from '../core/group-commit.js';
import type { Database } from '../db/db-schema.js';
import * as store from './metric-store.js';
import { otlpDatums, type OtlpRequest } from './otlp-metrics.js';
import { rollups } from './metric-rollups.js';
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
}

export function canonicalDimensions(d: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(d).sort().map((k) => [k, d[k]])));
}

/** Expands a PutMetricData body into datapoints (Values with Counts become one datapoint per value, repeated count times as a set). */
export function datumsOf(body: PutMetricData, now: number): SeriesDatum[] {
  const out: SeriesDatum[] = [];
  for (const d of body.MetricData) {
    const at = d.Timestamp === undefined ? now : typeof d.Timestamp === 'number' ? d.Timestamp * 1000 : Date.parse(d.Timestamp);
    const base = { namespace: body.Namespace, name: d.MetricName, dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])), unit: d.Unit, at };
    if (d.Value !== undefined) out.push({ ...base, count: 1, sum: d.Value, min: d.Value, max: d.Value });
    else if (d.StatisticValues) out.push({ ...base, count: d.StatisticValues.SampleCount, sum: d.StatisticValues.Sum, min: d.StatisticValues.Minimum, max: d.StatisticValues.Maximum });
    else d.Values!.forEach((v, i) => {
      const c = d.Counts?.[i] ?? 1;
      out.push({ ...base, count: c, sum: v * c, min: v, max: v });
    });
  }
  return out;
}

export class MetricService {
  private series = new Map<string, number>();
  private fresh = new Map<string, number>();
  private readonly writer: GroupCommit<SeriesDatum[], void>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.writer = new GroupCommit((batches) => this.write(batches), 200);
  }

  /** Validates and durably stores a PutMetricData body; resolves with the number of datapoints. */
  async put(body: unknown): Promise<number> {
    const parsed = putMetricDataSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const now = this.clock.now();
    const data = datumsOf(parsed.data, now);
    const tooOld = data.findIndex((d) => d.at < now - 14 * 86_400_000 || d.at > now + 2 * 3600_000);
    if (tooOld >= 0) throw invalid([{ path: `MetricData.${tooOld}.Timestamp`, message: 'must be within the last 14 days and at most 2 hours ahead' }]);
    await this.writer.submit(data);
    return data.length;
  }

  /** Stores OTLP/HTTP JSON metrics; answers as OTLP's partial success says. */
  async putOtlp(body: unknown): Promise<{ partialSuccess?: { rejectedDataPoints: number; errorMessage: string } }> {
    if (!body || typeof body !== 'object') throw invalid([{ path: '', message: 'an OTLP ExportMetricsServiceRequest (JSON)' }]);
    const { data, rejected, reasons } = otlpDatums(body as OtlpRequest, this.clock.now());
    if (data.length) await this.writer.submit(data);
    return rejected ? { partialSuccess: { rejectedDataPoints: rejected, errorMessage: reasons.join('; ') } } : {};
  }

  /** Records datapoints from inside Tocsin; written with the next batch, not awaited. */
  record(data: SeriesDatum[]): void {
    this.writer.submit(data).catch(() => {});
  }

  drain(): Promise<void> {
    return this.writer.drain();
  }

  async list(namespace?: string) {
    return (await store.listSeries(this.db, namespace)).map((s) => ({ namespace: s.namespace, name: s.name, dimensions: JSON.parse(s.dimensions) as Record<string, string>, unit: s.unit }));
  }

  /** Values of a statistic for `n` periods ending at `end`, oldest first (null where a period has no data). */
  async periods(key: { namespace: string; name: string; dimensions: Record<string, string> }, statistic: string, periodMs: number, end: number, n: number) {
    const num = await this.seriesNum(key, false);
    if (num === undefined) return periodValues([], end, periodMs, n, statistic);
    const from = end - n * periodMs;
    // Raw datapoints for the last 14 days; per-minute rollups before that.
    const rawFrom = Math.max(from, this.clock.now() - 14 * 86_400_000);
    const rows: StatRow[] = rawFrom < end ? await store.datapoints(this.db, num, rawFrom, end) : [];
    if (from < rawFrom) rows.unshift(...(await rollups(this.db, num, from, rawFrom)));
    return periodValues(rows, end, periodMs, n, statistic);
  }

  private async seriesNum(key: { namespace: string; name: string; dimensions: Record<string, string> }, create: boolean, unit?: string, q: Kysely<Database> = this.db): Promise<number | undefined> {
    const k = { namespace: key.namespace, name: key.name, dimensions: canonicalDimensions(key.dimensions) };
    const cacheKey = `${k.namespace}\u0000${k.name}\u0000${k.dimensions}`;
    const cached = this.series.get(cacheKey) ?? (create ? this.fresh.get(cacheKey) : undefined);
    if (cached !== undefined) return cached;
    if (!create) {
      const found = await store.findSeries(q, k);
      if (found !== undefined) this.series.set(cacheKey, found);
      return found;
    }
    const num = await store.ensureSeries(q, k, unit ?? null, this.clock.now());
    // Known only after the transaction that made it commits.
    this.fresh.set(cacheKey, num);
    return num;
  }

  private async write(batches: SeriesDatum[][]): Promise<void[]> {
    this.fresh.clear();
    await this.db.transaction().execute(async (trx) => {
      const rows: store.DatapointRow[] = [];
      for (const batch of batches) {
        for (const d of batch) rows.push({ seriesNum: (await this.seriesNum(d, true, d.unit, trx))!, at: d.at, count: d.count, sum: d.sum, min: d.min, max: d.max });
      }
      await store.insertDatapoints(trx, rows);
    });
    for (const [k, v] of this.fresh) this.series.set(k, v);
    this.fresh.clear();
    return batches.map(() => undefined);
  }
}
