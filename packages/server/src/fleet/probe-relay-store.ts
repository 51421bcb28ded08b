/** Probes relayed to agents connected to another node, and their answers (table probe_relays). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface RelayAnswer {
  agentId: string;
  ok: boolean;
  latencyMs: number;
  message: string;
}

export async function insertRelays(
  q: Q,
  rows: readonly { checkId: string; agentId: string; origin: string; frame: string; deadline: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await q
    .insertInto('probe_relays')
    .values(
      rows.map((r) => ({
        check_id: r.checkId,
        agent_id: r.agentId,
        origin: r.origin,
        frame: r.frame,
        deadline: r.deadline,
        sent_at: null,
        answered_at: null,
        ok: null,
        latency_ms: null,
        message: null,
      })),
    )
    .execute();
}

/** The frames of these checks not sent yet, for the agents given. */
export async function unsentFrames(
  q: Q,
  checkIds: readonly string[] | undefined,
  agentIds: readonly string[],
): Promise<{ checkId: string; agentId: string; frame: string; deadline: number }[]> {
  if (agentIds.length === 0 || checkIds?.length === 0) return [];
  let query = q
    .selectFrom('probe_relays')
    .select(['check_id', 'agent_id', 'frame', 'deadline'])
    .where('sent_at', 'is', null)
    .where('agent_id', 'in', [...agentIds]);
  if (checkIds) query = query.where('check_id', 'in', [...checkIds]);
  const rows = await query.execute();
  return rows.map((r) => ({ checkId: r.check_id, agentId: r.agent_id, frame: r.frame, deadline: Number(r.deadline) }));
}

/** Marks a frame sent, once: false when another node (or an earlier notice) sent it already. */
export async function markSent(q: Q, checkId: string, agentId: string, now: number): Promise<boolean> {
  const r = await q
    .updateTable('probe_relays')
    .set({ sent_at: now })
    .where('check_id', '=', checkId)
    .where('agent_id', '=', agentId)
    .where('sent_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Writes an agent's answer, once; answers the node that runs the check, or undefined when not taken. */
export async function saveAnswer(q: Q, checkId: string, answer: RelayAnswer, now: number): Promise<string | undefined> {
  const r = await q
    .updateTable('probe_relays')
    .set({
      answered_at: now,
      ok: answer.ok ? 1 : 0,
      latency_ms: Math.round(answer.latencyMs),
      message: answer.message.slice(0, 1024),
    })
    .where('check_id', '=', checkId)
    .where('agent_id', '=', answer.agentId)
    .where('answered_at', 'is', null)
    .where('deadline', '>=', now)
    .returning('origin')
    .executeTakeFirst();
  return r?.origin;
}

export async function answersOf(q: Q, checkId: string): Promise<RelayAnswer[]> {
  const rows = await q
    .selectFrom('probe_relays')
    .select(['agent_id', 'ok', 'latency_ms', 'message'])
    .where('check_id', '=', checkId)
    .where('answered_at', 'is not', null)
    .execute();
  return rows.map((r) => ({
    agentId: r.agent_id,
    ok: r.ok === 1,
    latencyMs: r.latency_ms ?? 0,
    message: r.message ?? '',
  }));
}

export async function deleteRelays(q: Q, checkId: string): Promise<void> {
  await q.deleteFrom('probe_relays').where('check_id', '=', checkId).execute();
}

/** Drops the rows of checks whose node did not end them (it stopped meanwhile). */
export async function pruneRelays(q: Q, before: number): Promise<void> {
  await q.deleteFrom('probe_relays').where('deadline', '<', before).execute();
}
