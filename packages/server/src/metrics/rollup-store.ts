import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { Distribution } from './distribution.js';
import type { DatapointRow } from './metric-store.js';
import type { Sketch } from './sketch.js';

type Q = Kysely<Database>;
/** The `kv` key of the watermark: every minute before it is rolled up. */
const MARK_KEY = 'metric_rollup_until';
const CHUNK = 200;

export interface RollupRow extends DatapointRow {
  dist: Distribution;
}

/** The time up to which rollups were made, or undefined before the first run. */
export async function readRollupMark(q: Q): Promise<number | undefined> {
  const mark = await q.selectFrom('kv').select('value').where('key', '=', MARK_KEY).executeTakeFirst();
  return mark ? Number(mark.value) : undefined;
}

/** One transaction: writes the rollups (a minute written again is replaced) and moves the watermark to `until`. */
export async function writeRollups(q: Q, rows: readonly RollupRow[], until: number): Promise<void> {
  await q.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const values = rows.slice(i, i + CHUNK).map((r) => {
        const sketch = JSON.stringify(r.dist.asSketch());
        return sql`(${r.seriesNum}, ${r.at}, ${r.count}, ${r.sum}, ${r.min}, ${r.max}, ${sketch})`;
      });
      await sql`insert into metric_rollups (series_num, minute_at, count, sum, min, max, sketch)
        values ${sql.join(values)}
        on conflict (series_num, minute_at) do update set count = excluded.count, sum = excluded.sum,
          min = excluded.min, max = excluded.max, sketch = excluded.sketch`.execute(trx);
    }
    await trx
      .insertInto('kv')
      .values({ key: MARK_KEY, value: String(until) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(until) }))
      .execute();
  });
}

/** A series' rollups of the minutes in [from, to), oldest first. */
export async function listRollups(q: Q, seriesNum: number, from: number, to: number): Promise<RollupRow[]> {
  const rows = await q
    .selectFrom('metric_rollups')
    .selectAll()
    .where('series_num', '=', seriesNum)
    .where('minute_at', '>=', from)
    .where('minute_at', '<', to)
    .orderBy('minute_at')
    .execute();
  return rows.map((r) => ({
    seriesNum,
    at: Number(r.minute_at),
    count: Number(r.count),
    sum: Number(r.sum),
    min: Number(r.min),
    max: Number(r.max),
    dist: Distribution.ofSketch(JSON.parse(r.sketch) as Sketch),
  }));
}

/** Deletes rollups older than `before`, series by series through the primary key. */
export async function pruneRollups(q: Q, before: number): Promise<void> {
  const series = await q.selectFrom('metric_series').select('num').execute();
  for (const s of series) {
    await q.deleteFrom('metric_rollups').where('series_num', '=', s.num).where('minute_at', '<', before).execute();
  }
}
