import type { Kysely } from 'kysely';
import type { GroupSpec } from '@tocsin/protocol';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

/** Every group, in the order the database keeps them (the service keeps that order, then adds new ones last). */
export async function listGroups(q: Q): Promise<GroupSpec[]> {
  const rows = await q.selectFrom('monitor_groups').selectAll().execute();
  return rows.map((r) => JSON.parse(r.spec) as GroupSpec);
}

/** The groups of `names` that exist (changed on another node). */
export async function groupsNamed(q: Q, names: readonly string[]): Promise<GroupSpec[]> {
  if (names.length === 0) return [];
  const rows = await q
    .selectFrom('monitor_groups')
    .selectAll()
    .where('name', 'in', [...names])
    .execute();
  return rows.map((r) => JSON.parse(r.spec) as GroupSpec);
}

/** Writes the group, replacing the one of the same name. */
export async function upsertGroup(q: Q, spec: GroupSpec): Promise<void> {
  const text = JSON.stringify(spec);
  await q
    .insertInto('monitor_groups')
    .values({ name: spec.name, spec: text })
    .onConflict((oc) => oc.column('name').doUpdateSet({ spec: text }))
    .execute();
}

export async function deleteGroup(q: Q, name: string): Promise<boolean> {
  const r = await q.deleteFrom('monitor_groups').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
