import type { Kysely, Selectable } from 'kysely';
import type { Database, HeartbeatPingTable, HeartbeatTable } from '../db/db-schema.js';

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
  return { id: r.id, name: r.name, slug: r.slug, pingUuid: r.ping_uuid, spec: JSON.parse(r.spec), createdAt: r.created_at, updatedAt: r.updated_at };
}

export async function loadAll(q: Q): Promise<(HeartbeatRow & StoredState)[]> {
  const rows = await q.selectFrom('heartbeats').innerJoin('heartbeat_state', 'heartbeat_state.heartbeat_id', 'heartbeats.id').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ ...toRow(r), state: r.state, runtime: JSON.parse(r.runtime), nextDeadline: r.next_deadline }));
}

export async function insertHeartbeat(q: Q, h: HeartbeatRow, s: StoredState): Promise<void> {
  await q
    .insertInto('heartbeats')
    .values({ id: h.id, name: h.name, slug: h.slug, ping_uuid: h.pingUuid, spec: JSON.stringify(h.spec), created_at: h.createdAt, updated_at: h.updatedAt })
    .execute();
  await q.insertInto('heartbeat_state').values({ heartbeat_id: h.id, state: s.state, runtime: JSON.stringify(s.runtime), next_deadline: s.nextDeadline }).execute();
}

export async function updateHeartbeat(q: Q, h: HeartbeatRow): Promise<void> {
  await q.updateTable('heartbeats').set({ name: h.name, slug: h.slug, spec: JSON.stringify(h.spec), updated_at: h.updatedAt }).where('id', '=', h.id).execute();
}

export async function deleteHeartbeat(q: Q, id: string): Promise<void> {
  await q.deleteFrom('heartbeat_pings').where('heartbeat_id', '=', id).execute();
  await q.deleteFrom('heartbeat_state').where('heartbeat_id', '=', id).execute();
  await q.deleteFrom('heartbeats').where('id', '=', id).execute();
}

export async function saveStates(q: Q, states: readonly ({ id: string } & StoredState)[]): Promise<void> {
  for (const s of states) {
    await q
      .updateTable('heartbeat_state')
      .set({ state: s.state, runtime: JSON.stringify(s.runtime), next_deadline: s.nextDeadline })
      .where('heartbeat_id', '=', s.id)
      .execute();
  }
}

const CHUNK = 200;

export async function insertPings(q: Q, pings: readonly PingRow[]): Promise<void> {
  for (let i = 0; i < pings.length; i += CHUNK) await q.insertInto('heartbeat_pings').values(pings.slice(i, i + CHUNK)).execute();
}

export async function listPings(q: Q, heartbeatId: string, limit: number, before?: string): Promise<PingRow[]> {
  let sel = q.selectFrom('heartbeat_pings').selectAll().where('heartbeat_id', '=', heartbeatId);
  if (before) sel = sel.where('id', '<', before);
  return sel.orderBy('id', 'desc').limit(limit).execute();
}

export async function prunePings(q: Q, before: number): Promise<number> {
  const r = await q.deleteFrom('heartbeat_pings').where('at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function getKv(q: Q, key: string): Promise<string | undefined> {
  return (await q.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

export async function putKvIfAbsent(q: Q, key: string, value: string): Promise<void> {
  await q.insertInto('kv').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
}
