import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/db-schema.js';
import { Distribution } from './distribution.js';
import type { StatRow } from './statistics.js';

type Q = Kysely<Database>;

export interface SeriesKey {
  namespace: string;
  name: string;
  /** Canonical JSON of the dimensions (keys sorted). */
  dimensions: string;
}

export interface SeriesRow extends SeriesKey {
  num: number;
  unit: string | null;
}

export interface DatapointRow {
  seriesNum: number;
  at: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export async function listSeries(q: Q, namespace?: string): Promise<SeriesRow[]> {
  let sel = q.selectFrom('metric_series').selectAll();
  if (namespace) sel = sel.where('namespace', '=', namespace);
  return (await sel.orderBy('namespace').orderBy('name').execute()).map((r) => ({
    num: r.num,
    namespace: r.namespace,
    name: r.name,
    dimensions: r.dimensions,
    unit: r.unit,
  }));
}

export async function findSeries(q: Q, key: SeriesKey): Promise<number | undefined> {
  const row = await q
    .selectFrom('metric_series')
    .select('num')
    .where('namespace', '=', key.namespace)
    .where('name', '=', key.name)
    .where('dimensions', '=', key.dimensions)
    .executeTakeFirst();
  return row?.num;
}

/** Returns the series' number, making the series first if it is new. */
export async function ensureSeries(q: Q, key: SeriesKey, unit: string | null, now: number): Promise<number> {
  await q
    .insertInto('metric_series')
    .values({ namespace: key.namespace, name: key.name, dimensions: key.dimensions, unit, created_at: now })
    .onConflict((oc) => oc.columns(['namespace', 'name', 'dimensions']).doNothing())
    .execute();
  const row = await q
    .selectFrom('metric_series')
    .select('num')
    .where('namespace', '=', key.namespace)
    .where('name', '=', key.name)
    .where('dimensions', '=', key.dimensions)
    .executeTakeFirstOrThrow();
  return row.num;
}

const CHUNK = 500;

export type StoredRow = DatapointRow & { detail: Buffer | null };

/** A raw multi-row insert: the query builder's per-value work costs more than the insert at ingest rates. */
export async function insertDatapoints(q: Q, rows: readonly StoredRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows
      .slice(i, i + CHUNK)
      .map((r) => sql`(${r.seriesNum}, ${r.at}, ${r.count}, ${r.sum}, ${r.min}, ${r.max}, ${r.detail})`);
    const into = sql`insert into metric_datapoints (series_num, at, count, sum, min, max, detail)`;
    await sql`${into} values ${sql.join(values)}`.execute(q);
  }
}

export type RawDatapoint = {
  at: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  detail: Uint8Array | null;
};

/** A stored row as statistics read it, its distribution decoded. */
export const rowOf = (seriesNum: number, r: RawDatapoint): StatRow => ({
  seriesNum,
  at: Number(r.at),
  count: Number(r.count),
  sum: Number(r.sum),
  min: Number(r.min),
  max: Number(r.max),
  dist: r.detail ? Distribution.decode(r.detail) : undefined,
});

export type DatapointReader = (seriesNum: number, from: number, to: number) => Promise<StatRow[]>;

/**
 * Reads a series' rows in [from, to). Every alarm evaluation runs it: on
 * SQLite through one prepared statement (preparing it anew cost more than
 * running it), elsewhere as raw SQL (the query builder cost more than the query).
 */
export function datapointReader(handle: Db): DatapointReader {
  const text =
    'select at, count, sum, min, max, detail from metric_datapoints ' +
    'where series_num = ? and at >= ? and at < ? order by at';
  if (handle.sqlite) {
    const stmt = handle.sqlite.prepare<[number, number, number], RawDatapoint>(text);
    return async (seriesNum, from, to) => stmt.all(seriesNum, from, to).map((r) => rowOf(seriesNum, r));
  }
  return async (seriesNum, from, to) => {
    const { rows } = await sql<RawDatapoint>`select at, count, sum, min, max, detail
      from metric_datapoints where series_num = ${seriesNum} and at >= ${from} and at < ${to} order by at`.execute(
      handle.db,
    );
    return rows.map((r) => rowOf(seriesNum, r));
  };
}

/** Every series' rows in [from, to), in no particular order (the rollups' input). */
export async function listDatapoints(q: Q, from: number, to: number): Promise<StatRow[]> {
  const { rows } = await sql<RawDatapoint & { series_num: number }>`select series_num, at, count, sum, min, max, detail
    from metric_datapoints where at >= ${from} and at < ${to}`.execute(q);
  return rows.map((r) => rowOf(Number(r.series_num), r));
}

/**
 * Deletes old datapoints series by series, through the (series, time) index: no index on time alone slows every insert.
 */
export async function pruneDatapoints(q: Q, before: number): Promise<void> {
  const series = await q.selectFrom('metric_series').select('num').execute();
  for (const s of series)
    await q.deleteFrom('metric_datapoints').where('series_num', '=', s.num).where('at', '<', before).execute();
}
