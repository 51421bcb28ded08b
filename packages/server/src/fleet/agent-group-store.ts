import type { Kysely } from 'kysely';
import type { AgentGroupSpec } from '@tocsin/protocol';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export async function listAgentGroups(q: Q, names?: readonly string[]): Promise<AgentGroupSpec[]> {
  if (names && names.length === 0) return [];
  let query = q.selectFrom('agent_groups').selectAll();
  if (names) query = query.where('name', 'in', [...names]);
  const rows = await query.orderBy('name').execute();
  return rows.map((r) => JSON.parse(r.spec) as AgentGroupSpec);
}

/** Writes the group, replacing the one of the same name. */
export async function upsertAgentGroup(q: Q, spec: AgentGroupSpec): Promise<void> {
  const text = JSON.stringify(spec);
  await q
    .insertInto('agent_groups')
    .values({ name: spec.name, spec: text })
    .onConflict((oc) => oc.column('name').doUpdateSet({ spec: text }))
    .execute();
}

export async function deleteAgentGroup(q: Q, name: string): Promise<boolean> {
  const r = await q.deleteFrom('agent_groups').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
