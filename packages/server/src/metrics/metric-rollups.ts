/**
 * Per-minute rollups: count, sum, minimum, maximum and a quantile sketch of
 * each series' datapoints in a minute. They are made from the raw
 * datapoints when those are 14 days and 10 minutes old — after the last
 * moment PutMetricData accepts a datapoint for that minute (14 days back),
 * before raw datapoints expire (15 days) — so late datapoints are never
 * missed. Queries read raw datapoints for the last 14 days and rollups
 * before that; rollups are kept a year.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { Distribution } from './distribution.js';
import { listDatapoints } from './metric-store.js';
import { readRollupMark, writeRollups, type RollupRow } from './rollup-store.js';
import type { StatRow } from './statistics.js';

type Q = Kysely<Database>;
const MINUTE = 60_000;
export const ROLLUP_AFTER_MS = 14 * 86_400_000 + 10 * MINUTE;
/** Minutes rolled up in one run at most; a server that was down catches up over several. */
const MAX_MINUTES_PER_RUN = 60;

/**
 * Aggregates stored rows per series and minute; the sketch holds the single values (statistic sets have no
 * distribution).
 */
export function rollupOf(rows: readonly StatRow[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const r of rows) {
    const minute = Math.floor(r.at / MINUTE) * MINUTE;
    const key = `${r.seriesNum}:${minute}`;
    let agg = byKey.get(key);
    if (!agg) {
      agg = {
        seriesNum: r.seriesNum,
        at: minute,
        count: 0,
        sum: 0,
        min: Infinity,
        max: -Infinity,
        dist: new Distribution(),
      };
      byKey.set(key, agg);
    }
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
  const from = (await readRollupMark(q)) ?? until - MINUTE;
  const to = Math.min(until, from + MAX_MINUTES_PER_RUN * MINUTE);
  if (to <= from) return 0;
  const rollups = rollupOf(await listDatapoints(q, from, to));
  await writeRollups(q, rollups, to);
  return rollups.length;
}
