import type { Kysely } from 'kysely';
import type { LogGroupSpec } from '@tocsin/protocol';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface LogGroupRecord {
  spec: LogGroupSpec;
  createdAt: number;
  updatedAt: number;
}

type Row = Database['log_groups'];

function recordOf(r: Row): LogGroupRecord {
  const spec: LogGroupSpec = { name: r.name, retentionDays: Number(r.retention_days) };
  if (r.description !== null) spec.description = r.description;
  if (r.match !== null) spec.match = JSON.parse(r.match) as LogGroupSpec['match'];
  return { spec, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

export async function listGroups(q: Q, names?: readonly string[]): Promise<LogGroupRecord[]> {
  let sel = q.selectFrom('log_groups').selectAll();
  if (names) {
    if (names.length === 0) return [];
    sel = sel.where('name', 'in', names);
  }
  return (await sel.orderBy('name').execute()).map(recordOf);
}

export async function groupByName(q: Q, name: string): Promise<LogGroupRecord | undefined> {
  const r = await q.selectFrom('log_groups').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? recordOf(r) : undefined;
}

/** Writes the group, replacing the one of the same name (its creation time stays); says whether it was new. */
export async function upsertGroup(q: Q, spec: LogGroupSpec, now: number): Promise<boolean> {
  const fields = {
    description: spec.description ?? null,
    retention_days: spec.retentionDays,
    match: spec.match ? JSON.stringify(spec.match) : null,
    updated_at: now,
  };
  const existed = await q.selectFrom('log_groups').select('name').where('name', '=', spec.name).executeTakeFirst();
  await q
    .insertInto('log_groups')
    .values({ name: spec.name, created_at: now, ...fields })
    .onConflict((oc) => oc.column('name').doUpdateSet(fields))
    .execute();
  return !existed;
}

/** Creates the groups not stored yet with `retentionDays`; the others stay as they are. */
export async function insertMissingGroups(
  q: Q,
  names: readonly string[],
  retentionDays: number,
  now: number,
): Promise<void> {
  if (names.length === 0) return;
  await q
    .insertInto('log_groups')
    .values(
      names.map((name) => ({
        name,
        description: null,
        retention_days: retentionDays,
        match: null,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/** Deletes the group's row; says whether there was one. */
export async function deleteGroup(q: Q, name: string): Promise<boolean> {
  const r = await q.deleteFrom('log_groups').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
