import type { Kysely } from 'kysely';
import type { AlertRouteSpec } from '@tocsin/protocol';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export async function listAlertRoutes(q: Q, names?: readonly string[]): Promise<AlertRouteSpec[]> {
  if (names && names.length === 0) return [];
  let query = q.selectFrom('alert_routes').selectAll();
  if (names) query = query.where('name', 'in', [...names]);
  const rows = await query.orderBy('name').execute();
  return rows.map((r) => JSON.parse(r.spec) as AlertRouteSpec);
}

/** Writes the route, replacing the one of the same name. */
export async function upsertAlertRoute(q: Q, spec: AlertRouteSpec): Promise<void> {
  const text = JSON.stringify(spec);
  await q
    .insertInto('alert_routes')
    .values({ name: spec.name, spec: text })
    .onConflict((oc) => oc.column('name').doUpdateSet({ spec: text }))
    .execute();
}

export async function deleteAlertRoute(q: Q, name: string): Promise<boolean> {
  const r = await q.deleteFrom('alert_routes').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
