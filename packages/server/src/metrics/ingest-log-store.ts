/**
 * The metric ingest log (`metric_ingest`): one row per acknowledged batch
 * of encoded datapoints, appended by ingest and folded into
 * `metric_datapoints` by the indexer. The claim is the only query here that
 * differs between SQLite and PostgreSQL (FOR UPDATE SKIP LOCKED).
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/db-schema.js';
import { fromBytes, toBytes } from './distribution.js';
import { ensureSeries, insertDatapoints, type SeriesKey, type StoredRow } from './metric-store.js';

type Q = Kysely<Database>;

export interface NewSeries extends SeriesKey {
  unit: string | null;
}

export interface LoggedBatch {
  /** Datapoints in `batch`. */
  datapoints: number;
  batch: Float64Array;
}

/**
 * One transaction: makes the series in `series` (their numbers, in the same
 * order, are passed to `build`), then appends the batch `build` returns as
 * one log row; nothing is appended when it returns undefined.
 */
export async function appendBatch(
  db: Q,
  series: readonly NewSeries[],
  now: number,
  build: (nums: readonly number[]) => LoggedBatch | undefined,
): Promise<{ nums: number[]; logId?: number }> {
  return db.transaction().execute(async (trx) => {
    const nums: number[] = [];
    for (const s of series) nums.push(await ensureSeries(trx, s, s.unit, now));
    const logged = build(nums);
    if (!logged) return { nums };
    const row = await trx
      .insertInto('metric_ingest')
      .values({ created_at: now, datapoints: logged.datapoints, batch: toBytes(logged.batch) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { nums, logId: Number(row.id) };
  });
}

export interface LogHead {
  id: number;
  datapoints: number;
}

/** What a fold makes of the rows it picked: their datapoints, to be stored as the rows are deleted. */
export interface Folded {
  ids: number[];
  rows: readonly StoredRow[];
}

/**
 * One transaction: claims the oldest `limit` rows of the log (on PostgreSQL,
 * skipping rows another node's fold holds), lets `fold` pick some of them and
 * make their datapoints (`read` loads the batches of the rows it names),
 * inserts those and deletes the picked rows. If anything fails, nothing of it
 * stays, so a batch is folded exactly once.
 */
export async function foldBatches(
  db: Q,
  dialect: DialectName,
  limit: number,
  fold: (heads: LogHead[], read: (ids: readonly number[]) => Promise<Float64Array[]>) => Promise<Folded>,
): Promise<{ claimed: number; ids: number[] }> {
  return db.transaction().execute(async (trx) => {
    const lock = dialect === 'postgres' ? sql` for update skip locked` : sql``;
    const { rows: claimed } = await sql<LogHead>`select id, datapoints from metric_ingest
      order by id limit ${limit}${lock}`.execute(trx);
    if (claimed.length === 0) return { claimed: 0, ids: [] };
    const heads = claimed.map((h) => ({ id: Number(h.id), datapoints: Number(h.datapoints) }));
    const { ids, rows } = await fold(heads, (wanted) => readBatches(trx, wanted));
    await insertDatapoints(trx, rows);
    if (ids.length) await sql`delete from metric_ingest where id in (${sql.join(ids)})`.execute(trx);
    return { claimed: heads.length, ids };
  });
}

async function readBatches(q: Q, ids: readonly number[]): Promise<Float64Array[]> {
  if (!ids.length) return [];
  const { rows } = await sql<{ batch: Uint8Array }>`select batch from metric_ingest
    where id in (${sql.join(ids)})`.execute(q);
  return rows.map((r) => fromBytes(r.batch));
}
