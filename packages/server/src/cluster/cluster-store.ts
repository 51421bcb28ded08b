/**
 * The SQL of membership and leases (PostgreSQL only: SQLite runs one node).
 * Times are the database's clock in milliseconds (`clock_timestamp()`), so
 * nodes whose clocks disagree still agree on when a lease expires. Every
 * statement that locks several lease rows takes them in partition order
 * (a sub-select with ORDER BY … FOR UPDATE/SHARE), so renewals, take-overs
 * and fenced writes never deadlock one another.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { PARTITIONS } from './partitions.js';

type Q = Kysely<Database>;
const NOW = sql.raw('(extract(epoch from clock_timestamp()) * 1000)::bigint');

export interface NodeRow {
  id: string;
  instance: string;
  address: string;
  version: string;
  startedAt: number;
  lastSeenAt: number;
  stoppedAt: number | null;
  info: string;
}

export interface LeaseRow {
  partition: number;
  nodeId: string | null;
  epoch: number;
  expiresAt: number;
}

/** Creates the lease rows that are missing (once per database; cheap afterwards). */
export async function ensureLeaseRows(q: Q): Promise<void> {
  await sql`insert into cluster_leases (partition, node_id, epoch, expires_at)
    select p, null, 0, 0 from generate_series(0, ${PARTITIONS - 1}) as p
    on conflict (partition) do nothing`.execute(q);
}

/** Writes this node's row (started, seen now) and answers the database's time. */
export async function heartbeat(
  q: Q,
  n: { id: string; instance: string; address: string; version: string; startedAt: number; info: string },
): Promise<number> {
  const { rows } = await sql<{ now: number }>`insert into cluster_nodes
      (id, instance, address, version, started_at, last_seen_at, stopped_at, info)
    values (${n.id}, ${n.instance}, ${n.address}, ${n.version}, ${n.startedAt}, ${NOW}, null, ${n.info})
    on conflict (id) do update set instance = excluded.instance, address = excluded.address,
      version = excluded.version, started_at = excluded.started_at, last_seen_at = excluded.last_seen_at,
      stopped_at = null, info = excluded.info
    returning last_seen_at as now`.execute(q);
  return rows[0]!.now;
}

export async function markStopped(q: Q, id: string, instance: string): Promise<void> {
  await sql`update cluster_nodes set stopped_at = ${NOW} where id = ${id} and instance = ${instance}`.execute(q);
}

export async function listNodes(q: Q): Promise<NodeRow[]> {
  const rows = await q.selectFrom('cluster_nodes').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    instance: r.instance,
    address: r.address,
    version: r.version,
    startedAt: r.started_at,
    lastSeenAt: r.last_seen_at,
    stoppedAt: r.stopped_at,
    info: r.info,
  }));
}

/** Forgets nodes gone for longer than `olderThanMs` (they are shown as dead or stopped until then). */
export async function pruneNodes(q: Q, olderThanMs: number): Promise<void> {
  await sql`delete from cluster_nodes where last_seen_at < ${NOW} - ${olderThanMs}`.execute(q);
}

export async function listLeases(q: Q): Promise<{ leases: LeaseRow[]; now: number }> {
  const { rows } = await sql<{
    partition: number;
    node_id: string | null;
    epoch: number;
    expires_at: number;
    now: number;
  }>`select partition, node_id, epoch, expires_at, ${NOW} as now from cluster_leases order by partition`.execute(q);
  return {
    leases: rows.map((r) => ({ partition: r.partition, nodeId: r.node_id, epoch: r.epoch, expiresAt: r.expires_at })),
    now: rows[0]?.now ?? Date.now(),
  };
}

/** Extends the leases of `partitions` that `nodeId` still holds; answers those, with their epochs. */
export async function renewLeases(
  q: Q,
  nodeId: string,
  partitions: readonly number[],
  ttlMs: number,
): Promise<Map<number, number>> {
  if (partitions.length === 0) return new Map();
  const { rows } = await sql<{ partition: number; epoch: number }>`update cluster_leases l
      set expires_at = ${NOW} + ${ttlMs}
    from (select partition from cluster_leases
           where node_id = ${nodeId} and partition = any(${[...partitions]}::int[])
           order by partition for update) c
    where l.partition = c.partition
    returning l.partition, l.epoch`.execute(q);
  return new Map(rows.map((r) => [r.partition, r.epoch]));
}

export interface Taken {
  partition: number;
  epoch: number;
  /** Who held it before: null when it was released (or never held), else the node whose lease expired. */
  previous: string | null;
}

/**
 * Takes those of `partitions` that are free: released, expired, or (with
 * `ownStale`) held under this node's id by a previous run of it that died.
 */
export async function takeLeases(
  q: Q,
  nodeId: string,
  partitions: readonly number[],
  ttlMs: number,
  ownStale: boolean,
): Promise<Taken[]> {
  if (partitions.length === 0) return [];
  const { rows } = await sql<{ partition: number; epoch: number; previous: string | null }>`
    with c as (
      select partition, node_id as previous from cluster_leases
       where partition = any(${[...partitions]}::int[])
         and (node_id is null or expires_at < ${NOW} or (${ownStale}::boolean and node_id = ${nodeId}))
       order by partition for update skip locked)
    update cluster_leases l set node_id = ${nodeId}, epoch = l.epoch + 1, expires_at = ${NOW} + ${ttlMs}
      from c where l.partition = c.partition
    returning l.partition, l.epoch, c.previous`.execute(q);
  return rows;
}

/** Gives up leases of `partitions` (all this node holds when not given): they are free at once. */
export async function releaseLeases(q: Q, nodeId: string, partitions?: readonly number[]): Promise<number[]> {
  const only = partitions ? sql`and partition = any(${[...partitions]}::int[])` : sql``;
  const { rows } = await sql<{ partition: number }>`update cluster_leases l set node_id = null, expires_at = 0
    from (select partition from cluster_leases where node_id = ${nodeId} ${only}
           order by partition for update) c
    where l.partition = c.partition
    returning l.partition`.execute(q);
  return rows.map((r) => r.partition);
}

/** In a transaction: locks the lease rows of `partitions` held by `nodeId` (FOR SHARE); answers their epochs. */
export async function holdLeases(q: Q, nodeId: string, partitions: readonly number[]): Promise<Map<number, number>> {
  const { rows } = await sql<{ partition: number; epoch: number }>`select partition, epoch from cluster_leases
     where partition = any(${[...partitions]}::int[]) and node_id = ${nodeId}
     order by partition for share`.execute(q);
  return new Map(rows.map((r) => [r.partition, r.epoch]));
}
