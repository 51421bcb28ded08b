import type { Kysely } from 'kysely';
import type { MaintenanceSpec } from '@tocsin/protocol';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface MaintenanceRecord {
  id: string;
  name: string;
  spec: MaintenanceSpec;
  createdAt: number;
  updatedAt: number;
}

export async function listWindows(q: Q): Promise<MaintenanceRecord[]> {
  const rows = await q.selectFrom('maintenance_windows').selectAll().orderBy('name').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    spec: JSON.parse(r.spec),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export async function upsertWindow(q: Q, w: MaintenanceRecord): Promise<void> {
  await q
    .insertInto('maintenance_windows')
    .values({ id: w.id, name: w.name, spec: JSON.stringify(w.spec), created_at: w.createdAt, updated_at: w.updatedAt })
    .onConflict((oc) => oc.column('name').doUpdateSet({ spec: JSON.stringify(w.spec), updated_at: w.updatedAt }))
    .execute();
}

export async function deleteWindow(q: Q, name: string): Promise<boolean> {
  const r = await q.deleteFrom('maintenance_windows').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
