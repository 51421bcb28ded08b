/**
 * Per-minute rollups: count, sum, minimum, maximum and a quantile sketch of
 * each series' datapoints in a minute. They are made from the raw
 * datapoints when those are 14 days and 10 minutes old — after the last
 * moment PutMetricData accepts a datapoint for that minute (14 days back),
 * before raw datapoints expire (15 days) — so late datapoints are never
 * missed. Queries read raw datapoints for the last 14 days and rollups
 * before that; rollups are kept a year.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { Distribution } from './distribution.js';
import { rowOf, type DatapointRow, type RawDatapoint } from './metric-store.js';
import type { Sketch } from './sketch.js';
import type { StatRow } from './statistics.js';

type Q = Kysely<Database>;
const MINUTE = 60_000;
export const ROLLUP_AFTER_MS = 14 * 86_400_000 + 10 * MINUTE;
/** Minutes rolled up in one run at most; a server that was down catches up over several. */
const MAX_MINUTES_PER_RUN = 60;

export interface RollupRow extends DatapointRow {
  dist: Distribution;
}

/** Aggregates stored rows per series and minute; the sketch holds the single values (statistic sets have no distribution). */
export function rollupOf(rows: readonly StatRow[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const r of rows) {
    const minute = Math.floor(r.at / MINUTE) * MINUTE;
    const key = `${r.seriesNum}:${minute}`;
    let agg = byKey.get(key);
    if (!agg) byKey.set(key, (agg = { seriesNum: r.seriesNum, at: minute, count: 0, sum: 0, min: Infinity, max: -Infinity, dist: new Distribution() }));
    agg.count += r.count;
    agg.sum += r.sum;
    agg.min = Math.min(agg.min, r.min);
    agg.max = Math.max(agg.max, r.max);
    if (r.dist) agg.dist.merge(r.dist);
    else if (r.count === 1) agg.dist.add(r.sum);
  }
  return [...byKey.values()];
}

/** Rolls up the minutes from the stored watermark to `now - ROLLUP_AFTER_MS`; returns the rows written. */
export async function rollUp(q: Q, now: number): Promise<number> {
  const until = Math.floor((now - ROLLUP_AFTER_MS) / MINUTE) * MINUTE;
  const mark = await q.selectFrom('kv').select('value').where('key', '=', 'metric_rollup_until').executeTakeFirst();
  const from = mark ? Number(mark.value) : until - MINUTE;
  const to = Math.min(until, from + MAX_MINUTES_PER_RUN * MINUTE);
  if (to <= from) return 0;
  const { rows } = await sql<RawDatapoint & { series_num: number }>`select series_num, at, count, sum, min, max, detail
    from metric_datapoints where at >= ${from} and at < ${to}`.execute(q);
  const rollups = rollupOf(rows.map((r) => rowOf(Number(r.series_num), r)));
  await q.transaction().execute(async (trx) => {
    for (let i = 0; i < rollups.length; i += 200) {
      const values = rollups.slice(i, i + 200).map((r) => sql`(${r.seriesNum}, ${r.at}, ${r.count}, ${r.sum}, ${r.min}, ${r.max}, ${JSON.stringify(r.dist.asSketch())})`);
      await sql`insert into metric_rollups (series_num, minute_at, count, sum, min, max, sketch) values ${sql.join(values)}
        on conflict (series_num, minute_at) do update set count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, sketch = excluded.sketch`.execute(trx);
    }
    await trx.insertInto('kv').values({ key: 'metric_rollup_until', value: String(to) }).onConflict((oc) => oc.column('key').doUpdateSet({ value: String(to) })).execute();
  });
  return rollups.length;
}

export async function rollups(q: Q, seriesNum: number, from: number, to: number): Promise<RollupRow[]> {
  const rows = await q.selectFrom('metric_rollups').selectAll().where('series_num', '=', seriesNum).where('minute_at', '>=', from).where('minute_at', '<', to).orderBy('minute_at').execute();
  return rows.map((r) => ({ seriesNum, at: Number(r.minute_at), count: Number(r.count), sum: Number(r.sum), min: Number(r.min), max: Number(r.max), dist: Distribution.ofSketch(JSON.parse(r.sketch) as Sketch) }));
}

/** Deletes rollups older than `before`, series by series through the primary key. */
export async function pruneRollups(q: Q, before: number): Promise<void> {
  const series = await q.selectFrom('metric_series').select('num').execute();
  for (const s of series) await q.deleteFrom('metric_rollups').where('series_num', '=', s.num).where('minute_at', '<', before).execute();
}
