/**
 * The transitions of monitors' shown states (monitor_changes), keyed by the
 * monitor's number. Written by the state writer in its batch transaction,
 * one multi-row insert per batch; read newest first, a page at a time.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, MonitorChangeTable } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface MonitorChange {
  monitorNum: number;
  at: number;
  from: string;
  to: string;
  reason: string | null;
  statusCode: number | null;
  latencyMs: number | null;
}

/** Rows per INSERT: 7 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const INSERT_ROWS = 1000;

const toChange = (r: Selectable<MonitorChangeTable>): MonitorChange => ({
  monitorNum: r.monitor_num,
  at: r.at,
  from: r.from_state,
  to: r.to_state,
  reason: r.reason,
  statusCode: r.status_code,
  latencyMs: r.latency_ms,
});

/** Writes changes with one statement per 1,000 (a state writer's batch is at most that). */
export async function insertMonitorChanges(q: Q, changes: readonly MonitorChange[]): Promise<void> {
  for (let i = 0; i < changes.length; i += INSERT_ROWS) {
    await q
      .insertInto('monitor_changes')
      .values(
        changes.slice(i, i + INSERT_ROWS).map((c) => ({
          monitor_num: c.monitorNum,
          at: c.at,
          from_state: c.from,
          to_state: c.to,
          reason: c.reason,
          status_code: c.statusCode,
          latency_ms: c.latencyMs,
        })),
      )
      .execute();
  }
}

/**
 * One monitor's changes before `before` (epoch ms, exclusive), newest first:
 * `limit` of them, and every other change at the same time as the last one,
 * so that `next` (the time of the last one, or null when nothing older is
 * left) as the next page's `before` skips none.
 */
export async function listMonitorChanges(
  q: Q,
  monitorNum: number,
  limit: number,
  before?: number,
): Promise<{ changes: MonitorChange[]; next: number | null }> {
  let query = q.selectFrom('monitor_changes').selectAll().where('monitor_num', '=', monitorNum);
  if (before !== undefined) query = query.where('at', '<', before);
  const rows = (
    await query
      .orderBy('at', 'desc')
      .limit(limit + 1)
      .execute()
  ).map(toChange);
  if (rows.length <= limit) return { changes: rows, next: null };
  const last = rows[limit - 1].at;
  const page = rows.slice(0, limit);
  if (rows[limit].at === last) {
    const tied = await q
      .selectFrom('monitor_changes')
      .selectAll()
      .where('monitor_num', '=', monitorNum)
      .where('at', '=', last)
      .execute();
    return { changes: [...page.filter((c) => c.at !== last), ...tied.map(toChange)], next: last };
  }
  return { changes: page, next: last };
}

/** Retention: every change older than `before`. */
export async function pruneMonitorChanges(q: Q, before: number): Promise<void> {
  await q.deleteFrom('monitor_changes').where('at', '<', before).execute();
}

/** With the monitor: its changes (in the transaction that deletes it). */
export async function deleteMonitorChanges(q: Q, monitorNum: number): Promise<void> {
  await q.deleteFrom('monitor_changes').where('monitor_num', '=', monitorNum).execute();
}
