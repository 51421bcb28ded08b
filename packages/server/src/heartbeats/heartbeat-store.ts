import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, HeartbeatChangeTable, HeartbeatPingTable, HeartbeatTable } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface HeartbeatRow {
  id: string;
  name: string;
  slug: string;
  pingUuid: string;
  spec: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface StoredState {
  state: string;
  runtime: unknown;
  nextDeadline: number | null;
}

export type PingRow = Selectable<HeartbeatPingTable>;

function toRow(r: Selectable<HeartbeatTable>): HeartbeatRow {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    pingUuid: r.ping_uuid,
    spec: JSON.parse(r.spec),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function loadAll(q: Q): Promise<(HeartbeatRow & StoredState)[]> {
  return loadWithStates(q);
}

/** The heartbeats of `ids` that exist, with their states. */
export async function loadByIds(q: Q, ids: readonly string[]): Promise<(HeartbeatRow & StoredState)[]> {
  return ids.length === 0 ? [] : loadWithStates(q, ids);
}

/** Heartbeats with their states, by name: all, or those of `ids`. */
async function loadWithStates(q: Q, ids?: readonly string[]): Promise<(HeartbeatRow & StoredState)[]> {
  let query = q
    .selectFrom('heartbeats')
    .innerJoin('heartbeat_state', 'heartbeat_state.heartbeat_id', 'heartbeats.id')
    .selectAll()
    .orderBy('name');
  if (ids) query = query.where('heartbeats.id', 'in', [...ids]);
  const rows = await query.execute();
  return rows.map((r) => ({
    ...toRow(r),
    state: r.state,
    runtime: JSON.parse(r.runtime),
    nextDeadline: r.next_deadline,
  }));
}

/**
 * The stored runtimes of `ids`, their rows locked until the transaction `q`
 * ends (PostgreSQL; SQLite has one writer at a time anyway): pings served
 * by several nodes are applied to a heartbeat one batch after another.
 */
export async function lockRuntimes(q: Q, ids: readonly string[]): Promise<Map<string, unknown>> {
  if (ids.length === 0) return new Map();
  const rows = await q
    .selectFrom('heartbeat_state')
    .select(['heartbeat_id', 'runtime'])
    .where('heartbeat_id', 'in', [...ids])
    .orderBy('heartbeat_id')
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.heartbeat_id, JSON.parse(r.runtime)]));
}

export async function insertHeartbeat(q: Q, h: HeartbeatRow, s: StoredState): Promise<void> {
  await q
    .insertInto('heartbeats')
    .values({
      id: h.id,
      name: h.name,
      slug: h.slug,
      ping_uuid: h.pingUuid,
      spec: JSON.stringify(h.spec),
      created_at: h.createdAt,
      updated_at: h.updatedAt,
    })
    .execute();
  await q
    .insertInto('heartbeat_state')
    .values({ heartbeat_id: h.id, state: s.state, runtime: JSON.stringify(s.runtime), next_deadline: s.nextDeadline })
    .execute();
}

export async function updateHeartbeat(q: Q, h: HeartbeatRow): Promise<void> {
  await q
    .updateTable('heartbeats')
    .set({ name: h.name, slug: h.slug, spec: JSON.stringify(h.spec), updated_at: h.updatedAt })
    .where('id', '=', h.id)
    .execute();
}

export type ChangeRow = Selectable<HeartbeatChangeTable>;

export async function insertChanges(q: Q, rows: readonly ChangeRow[]): Promise<void> {
  if (rows.length)
    await q
      .insertInto('heartbeat_changes')
      .values([...rows])
      .execute();
}

export async function listChanges(q: Q, heartbeatId: string, limit: number): Promise<ChangeRow[]> {
  return q
    .selectFrom('heartbeat_changes')
    .selectAll()
    .where('heartbeat_id', '=', heartbeatId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function deleteHeartbeat(q: Q, id: string): Promise<void> {
  await q.deleteFrom('heartbeat_changes').where('heartbeat_id', '=', id).execute();
  await q.deleteFrom('heartbeat_pings').where('heartbeat_id', '=', id).execute();
  await q.deleteFrom('heartbeat_state').where('heartbeat_id', '=', id).execute();
  await q.deleteFrom('heartbeats').where('id', '=', id).execute();
}

/**
 * Writes many states in one statement per 200 (UPDATE … FROM a VALUES list,
 * which SQLite and PostgreSQL both take): a batch of pings touches many
 * heartbeats, and one statement each would dominate the cost of a ping.
 */
export async function saveStates(q: Q, states: readonly ({ id: string } & StoredState)[]): Promise<void> {
  for (let i = 0; i < states.length; i += 200) {
    const rows = states
      .slice(i, i + 200)
      .map((s) => sql`(${s.id}, ${s.state}, ${JSON.stringify(s.runtime)}, cast(${s.nextDeadline} as bigint))`);
    await sql`with v(id, state, runtime, next_deadline) as (values ${sql.join(rows)})
      update heartbeat_state set state = v.state, runtime = v.runtime, next_deadline = v.next_deadline
      from v where heartbeat_state.heartbeat_id = v.id`.execute(q);
  }
}

const CHUNK = 200;

/** A raw multi-row insert: the query builder's per-value work is most of a ping's cost at high rates. */
export async function insertPings(q: Q, pings: readonly PingRow[]): Promise<void> {
  for (let i = 0; i < pings.length; i += CHUNK) {
    const rows = pings.slice(i, i + CHUNK).map(
      (p) =>
        sql`(${p.id}, ${p.heartbeat_id}, ${p.at}, ${p.kind}, ${p.exit_status}, ${p.rid}, ${p.method},
            ${p.remote_addr}, ${p.user_agent}, ${p.body}, ${p.body_truncated}, ${p.body_nuls_replaced},
            ${p.duration_ms})`,
    );
    await sql`insert into heartbeat_pings
      (id, heartbeat_id, at, kind, exit_status, rid, method, remote_addr, user_agent, body, body_truncated,
        body_nuls_replaced, duration_ms)
      values ${sql.join(rows)}`.execute(q);
  }
}

export async function listPings(q: Q, heartbeatId: string, limit: number, before?: string): Promise<PingRow[]> {
  let sel = q.selectFrom('heartbeat_pings').selectAll().where('heartbeat_id', '=', heartbeatId);
  if (before) sel = sel.where('id', '<', before);
  return sel.orderBy('id', 'desc').limit(limit).execute();
}

/** Ping ids are UUIDv7, ordered by time: pruning walks the primary key, and no index on time is needed. */
export async function prunePings(q: Q, before: number): Promise<number> {
  const hex = Math.max(0, before).toString(16).padStart(12, '0');
  const bound = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
  const r = await q.deleteFrom('heartbeat_pings').where('id', '<', bound).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function getKv(q: Q, key: string): Promise<string | undefined> {
  return (await q.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

export async function putKvIfAbsent(q: Q, key: string, value: string): Promise<void> {
  await q
    .insertInto('kv')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** Pings of one heartbeat, newest first, without their bodies (a flag says whether one is stored). */
export async function listPingsWithoutBody(
  q: Q,
  heartbeatId: string,
  limit: number,
): Promise<(Omit<PingRow, 'body'> & { has_body: number })[]> {
  const rows = await q
    .selectFrom('heartbeat_pings')
    .select([
      'id',
      'heartbeat_id',
      'at',
      'kind',
      'exit_status',
      'rid',
      'method',
      'remote_addr',
      'user_agent',
      'body_truncated',
      'body_nuls_replaced',
      'duration_ms',
    ])
    .select(sql<number>`case when body is null or body = '' then 0 else 1 end`.as('has_body'))
    .where('heartbeat_id', '=', heartbeatId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, has_body: Number(r.has_body) }));
}

/** The pings of one heartbeat whose ids fall in [from, to): a millisecond of UUIDv7 ids. */
export async function pingsInIdRange(q: Q, heartbeatId: string, from: string, to: string): Promise<PingRow[]> {
  return q
    .selectFrom('heartbeat_pings')
    .selectAll()
    .where('heartbeat_id', '=', heartbeatId)
    .where('id', '>=', from)
    .where('id', '<', to)
    .execute();
}

/** Stored pings per heartbeat id. */
export async function countPings(q: Q, heartbeatIds?: readonly string[]): Promise<Map<string, number>> {
  let sel = q
    .selectFrom('heartbeat_pings')
    .select(['heartbeat_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('heartbeat_id');
  if (heartbeatIds) {
    if (heartbeatIds.length === 0) return new Map();
    sel = sel.where('heartbeat_id', 'in', [...heartbeatIds]);
  }
  return new Map((await sel.execute()).map((r) => [r.heartbeat_id, Number(r.n)]));
}

/** State changes of one heartbeat at or after `from` and before `to`, oldest first. */
export async function listChangesBetween(q: Q, heartbeatId: string, from: number, to: number): Promise<ChangeRow[]> {
  return q
    .selectFrom('heartbeat_changes')
    .selectAll()
    .where('heartbeat_id', '=', heartbeatId)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('id')
    .execute();
}
