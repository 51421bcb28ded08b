import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface ChunkRow {
  monitorNum: number;
  startAt: number;
  count: number;
  data: Buffer;
  /** The chunk's failure reasons (JSON list); null in chunks written before reasons were kept. */
  reasons: string | null;
}

export interface FailureRow {
  monitorNum: number;
  at: number;
  reason: string;
  statusCode: number | null;
}

export interface RollupRow {
  monitorNum: number;
  hourAt: number;
  checks: number;
  failures: number;
  latencySum: number;
  latencyMax: number;
  latencyP50: number;
  latencyP95: number;
}

const CHUNK = 400;

export async function insertChunks(q: Q, rows: readonly ChunkRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await q
      .insertInto('check_chunks')
      .values(
        rows.slice(i, i + CHUNK).map((r) => ({
          monitor_num: r.monitorNum,
          start_at: r.startAt,
          count: r.count,
          data: r.data,
          reasons: r.reasons,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['monitor_num', 'start_at']).doUpdateSet((eb) => ({
          count: eb.ref('excluded.count'),
          data: eb.ref('excluded.data'),
          reasons: eb.ref('excluded.reasons'),
        })),
      )
      .execute();
  }
}

/** Adds to an hour's rollup; a restart mid-hour merges (percentiles of the larger part win). */
export async function upsertRollups(q: Q, rows: readonly RollupRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await q
      .insertInto('monitor_rollups')
      .values(
        rows.slice(i, i + CHUNK).map((r) => ({
          monitor_num: r.monitorNum,
          hour_at: r.hourAt,
          checks: r.checks,
          failures: r.failures,
          latency_sum: r.latencySum,
          latency_max: r.latencyMax,
          latency_p50: r.latencyP50,
          latency_p95: r.latencyP95,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['monitor_num', 'hour_at']).doUpdateSet({
          checks: sql`monitor_rollups.checks + excluded.checks`,
          failures: sql`monitor_rollups.failures + excluded.failures`,
          latency_sum: sql`monitor_rollups.latency_sum + excluded.latency_sum`,
          latency_max: sql`case when excluded.latency_max > monitor_rollups.latency_max
            then excluded.latency_max else monitor_rollups.latency_max end`,
          latency_p50: sql`case when excluded.checks > monitor_rollups.checks
            then excluded.latency_p50 else monitor_rollups.latency_p50 end`,
          latency_p95: sql`case when excluded.checks > monitor_rollups.checks
            then excluded.latency_p95 else monitor_rollups.latency_p95 end`,
        }),
      )
      .execute();
  }
}

export async function listChunks(q: Q, monitorNum: number, from: number, to: number): Promise<ChunkRow[]> {
  const rows = await q
    .selectFrom('check_chunks')
    .selectAll()
    .where('monitor_num', '=', monitorNum)
    .where('start_at', '>=', from - 3600_000)
    .where('start_at', '<', to)
    .orderBy('start_at')
    .execute();
  return rows.map((r) => ({
    monitorNum: r.monitor_num,
    startAt: r.start_at,
    count: r.count,
    data: Buffer.from(r.data),
    reasons: r.reasons,
  }));
}

/** Failure rows of the table that held reasons before chunks did (read for old chunks only). */
export async function listFailures(
  q: Q,
  monitorNum: number,
  from: number,
  to: number,
  limit: number,
): Promise<FailureRow[]> {
  const rows = await q
    .selectFrom('check_failures')
    .selectAll()
    .where('monitor_num', '=', monitorNum)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ monitorNum: r.monitor_num, at: r.at, reason: r.reason, statusCode: r.status_code }));
}

export async function listRollups(q: Q, monitorNum: number, from: number, to: number): Promise<RollupRow[]> {
  const rows = await q
    .selectFrom('monitor_rollups')
    .selectAll()
    .where('monitor_num', '=', monitorNum)
    .where('hour_at', '>=', from)
    .where('hour_at', '<', to)
    .orderBy('hour_at')
    .execute();
  return rows.map((r) => ({
    monitorNum: r.monitor_num,
    hourAt: r.hour_at,
    checks: r.checks,
    failures: r.failures,
    latencySum: r.latency_sum,
    latencyMax: r.latency_max,
    latencyP50: r.latency_p50,
    latencyP95: r.latency_p95,
  }));
}

/** Checks and failures per monitor since `from` (whole hours), for uptime figures. */
export async function sumRollups(q: Q, from: number): Promise<Map<number, { checks: number; failures: number }>> {
  const rows = await q
    .selectFrom('monitor_rollups')
    .select([
      'monitor_num',
      (eb) => eb.fn.sum<number>('checks').as('checks'),
      (eb) => eb.fn.sum<number>('failures').as('failures'),
    ])
    .where('hour_at', '>=', from)
    .groupBy('monitor_num')
    .execute();
  return new Map(rows.map((r) => [r.monitor_num, { checks: Number(r.checks), failures: Number(r.failures) }]));
}

/** Checks and failures of the given monitors per UTC day (start of the day, epoch ms) since `from` (whole hours). */
export async function dailyRollups(
  q: Q,
  monitorNums: readonly number[],
  from: number,
): Promise<{ monitorNum: number; dayAt: number; checks: number; failures: number }[]> {
  if (monitorNums.length === 0) return [];
  // Integer division on both databases (the columns are integers): the day each hour falls in.
  const day = sql<number>`(hour_at / 86400000)`;
  const rows = await q
    .selectFrom('monitor_rollups')
    .select([
      'monitor_num',
      day.as('day'),
      (eb) => eb.fn.sum<number>('checks').as('checks'),
      (eb) => eb.fn.sum<number>('failures').as('failures'),
    ])
    .where('monitor_num', 'in', [...monitorNums])
    .where('hour_at', '>=', from)
    .groupBy(['monitor_num', day])
    .execute();
  return rows.map((r) => ({
    monitorNum: r.monitor_num,
    dayAt: Math.floor(Number(r.day)) * 86_400_000,
    checks: Number(r.checks),
    failures: Number(r.failures),
  }));
}

/** Deletes raw results before `rawBefore` and rollups before `rollupBefore`. */
export async function pruneResults(q: Q, rawBefore: number, rollupBefore: number): Promise<void> {
  await q.deleteFrom('check_chunks').where('start_at', '<', rawBefore).execute();
  await q.deleteFrom('check_failures').where('at', '<', rawBefore).execute();
  await q.deleteFrom('monitor_rollups').where('hour_at', '<', rollupBefore).execute();
}

export async function deleteMonitorResults(q: Q, monitorNum: number): Promise<void> {
  await q.deleteFrom('check_chunks').where('monitor_num', '=', monitorNum).execute();
  await q.deleteFrom('check_failures').where('monitor_num', '=', monitorNum).execute();
  await q.deleteFrom('monitor_rollups').where('monitor_num', '=', monitorNum).execute();
}
