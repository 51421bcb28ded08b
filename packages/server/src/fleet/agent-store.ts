/**
 * Agents and their log positions (Kysely only). State changes are compare-and-set UPDATEs: the caller learns
 * whether it made the change, and only then publishes its event in the same transaction.
 */
import type { Kysely } from 'kysely';
import type { AgentLogPositionTable, AgentTable, Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export type AgentRow = AgentTable;
export type PositionRow = AgentLogPositionTable;

export async function insertAgent(q: Q, row: AgentRow): Promise<void> {
  await q.insertInto('agents').values(row).execute();
}

/** The agent whose credential hashes to `hash`, unless revoked. */
export async function agentByCredential(q: Q, hash: string): Promise<AgentRow | undefined> {
  return q
    .selectFrom('agents')
    .selectAll()
    .where('credential_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function getAgent(q: Q, id: string): Promise<AgentRow | undefined> {
  return q.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function agentsById(q: Q, ids: readonly string[]): Promise<AgentRow[]> {
  if (ids.length === 0) return [];
  return q
    .selectFrom('agents')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/** Agents not revoked, oldest enrolment first; of one state when given. */
export async function listAgents(q: Q, state?: string): Promise<AgentRow[]> {
  let query = q.selectFrom('agents').selectAll().where('revoked_at', 'is', null);
  if (state) query = query.where('state', '=', state);
  return query.orderBy('enrolled_at').orderBy('id').execute();
}

/** The online agents that run probes (their hello said so), not revoked. */
export async function probeAgents(q: Q): Promise<Pick<AgentRow, 'id' | 'hostname' | 'node' | 'tags'>[]> {
  return q
    .selectFrom('agents')
    .select(['id', 'hostname', 'node', 'tags'])
    .where('revoked_at', 'is', null)
    .where('state', '=', 'online')
    .where('probes_enabled', '=', 1)
    .orderBy('id')
    .execute();
}

export async function setTags(q: Q, id: string, tags: Record<string, string>): Promise<boolean> {
  const r = await q
    .updateTable('agents')
    .set({ tags: JSON.stringify(tags) })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Revokes an agent (offline, no node); false when it does not exist or already was. */
export async function revokeAgent(q: Q, id: string, now: number): Promise<boolean> {
  const r = await q
    .updateTable('agents')
    .set({ revoked_at: now, state: 'offline', node: null, connection_id: null })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface HelloFields {
  hostname: string;
  version: string;
  platform: string;
  tags: Record<string, string>;
  commandsEnabled: boolean;
  commandsAllow: string[];
  probesEnabled: boolean;
}

/**
 * Stores what a hello said and that this node's connection `connectionId` holds the agent now (online).
 * Answers whether this call turned it from offline to online (with the row's times before), or undefined
 * when the agent was revoked meanwhile. The first UPDATE is the compare-and-set of the state.
 */
export async function saveHello(
  q: Q,
  id: string,
  hello: HelloFields,
  at: { node: string; connectionId: string; now: number },
): Promise<
  { cameOnline: false } | { cameOnline: true; lastSeenAt: number | null; offlineSince: number | null } | undefined
> {
  const flipped = await q
    .updateTable('agents')
    .set({ state: 'online' })
    .where('id', '=', id)
    .where('state', '=', 'offline')
    .where('revoked_at', 'is', null)
    .returning(['last_seen_at', 'offline_since'])
    .executeTakeFirst();
  const r = await q
    .updateTable('agents')
    .set({
      hostname: hello.hostname,
      version: hello.version,
      platform: hello.platform,
      tags: JSON.stringify(hello.tags),
      commands_enabled: hello.commandsEnabled ? 1 : 0,
      commands_allow: JSON.stringify(hello.commandsAllow),
      probes_enabled: hello.probesEnabled ? 1 : 0,
      state: 'online',
      last_seen_at: at.now,
      node: at.node,
      connection_id: at.connectionId,
    })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return undefined;
  if (!flipped) return { cameOnline: false };
  return { cameOnline: true, lastSeenAt: flipped.last_seen_at, offlineSince: flipped.offline_since };
}

/** Agents heard from (a frame since the last round), in one statement. */
export async function touchAgents(q: Q, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await q
    .updateTable('agents')
    .set({ last_seen_at: now })
    .where('id', 'in', [...ids])
    .where('revoked_at', 'is', null)
    .execute();
}

/** The connection ended: the agent is held by no node, unless another connection took it since. */
export async function clearConnection(q: Q, id: string, connectionId: string): Promise<void> {
  await q
    .updateTable('agents')
    .set({ node: null, connection_id: null })
    .where('id', '=', id)
    .where('connection_id', '=', connectionId)
    .execute();
}

/** Online agents silent since before `cutoff`. */
export async function silentAgents(q: Q, cutoff: number): Promise<AgentRow[]> {
  return q
    .selectFrom('agents')
    .selectAll()
    .where('state', '=', 'online')
    .where('revoked_at', 'is', null)
    .where('last_seen_at', '<', cutoff)
    .execute();
}

/** Online → offline if still silent since before `cutoff`; true when this call made the change. */
export async function markOffline(q: Q, id: string, cutoff: number, now: number): Promise<boolean> {
  const r = await q
    .updateTable('agents')
    .set({ state: 'offline', offline_since: now, node: null, connection_id: null })
    .where('id', '=', id)
    .where('state', '=', 'online')
    .where('last_seen_at', '<', cutoff)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function saveSelfCheck(q: Q, id: string, checks: unknown): Promise<void> {
  await q
    .updateTable('agents')
    .set({ self_check: JSON.stringify(checks) })
    .where('id', '=', id)
    .execute();
}

export async function saveMetricsSummary(q: Q, id: string, summary: unknown): Promise<void> {
  await q
    .updateTable('agents')
    .set({ metrics: JSON.stringify(summary) })
    .where('id', '=', id)
    .execute();
}

export async function positionsOf(q: Q, agentId: string): Promise<PositionRow[]> {
  return q.selectFrom('agent_log_positions').selectAll().where('agent_id', '=', agentId).execute();
}

export async function positionOf(q: Q, agentId: string, source: string): Promise<PositionRow | undefined> {
  return q
    .selectFrom('agent_log_positions')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('source', '=', source)
    .executeTakeFirst();
}

export async function savePosition(q: Q, row: PositionRow): Promise<void> {
  await q
    .insertInto('agent_log_positions')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['agent_id', 'source'])
        .doUpdateSet({ file: row.file, to_offset: row.to_offset, updated_at: row.updated_at }),
    )
    .execute();
}

/** An agent's positions go with it (revoked agents keep theirs: its lines are still stored). */
export async function deletePositions(q: Q, agentId: string): Promise<void> {
  await q.deleteFrom('agent_log_positions').where('agent_id', '=', agentId).execute();
}
