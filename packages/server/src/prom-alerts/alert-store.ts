/** The `prom_alerts` rows: one alert as one route holds it. Every update is a compare-and-set on `version`. */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/db-schema.js';
import type { PromAlertTable } from '../db/db-schema-alerts.js';

type Q = Kysely<Database>;

export interface AlertRow {
  route: string;
  fingerprint: string;
  groupKey: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorUrl: string | null;
  state: 'firing' | 'resolved';
  startsAt: number;
  endsAt: number;
  dueAt: number | null;
  sentAt: number | null;
  nextAt: number | null;
  topics: string[];
  repeatMs: number;
  version: number;
  updatedAt: number;
}

/** The fields a write sets (the key and version aside). */
export type AlertWrite = Omit<AlertRow, 'route' | 'fingerprint' | 'version'>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function rowOf(r: Selectable<PromAlertTable>): AlertRow {
  return {
    route: r.route,
    fingerprint: r.fingerprint,
    groupKey: r.group_key,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    generatorUrl: r.generator_url,
    state: r.state as AlertRow['state'],
    startsAt: num(r.starts_at),
    endsAt: num(r.ends_at),
    dueAt: numOrNull(r.due_at),
    sentAt: numOrNull(r.sent_at),
    nextAt: numOrNull(r.next_at),
    topics: JSON.parse(r.topics) as string[],
    repeatMs: num(r.repeat_ms),
    version: num(r.version),
    updatedAt: num(r.updated_at),
  };
}

function columnsOf(w: AlertWrite) {
  return {
    group_key: w.groupKey,
    labels: JSON.stringify(w.labels),
    annotations: JSON.stringify(w.annotations),
    generator_url: w.generatorUrl,
    state: w.state,
    starts_at: w.startsAt,
    ends_at: w.endsAt,
    due_at: w.dueAt,
    sent_at: w.sentAt,
    next_at: w.nextAt,
    topics: JSON.stringify(w.topics),
    repeat_ms: w.repeatMs,
    updated_at: w.updatedAt,
  };
}

export async function findAlert(q: Q, route: string, fingerprint: string): Promise<AlertRow | undefined> {
  const r = await q
    .selectFrom('prom_alerts')
    .selectAll()
    .where('route', '=', route)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
  return r && rowOf(r);
}

/** Inserts a new alert; false if the route already holds one of this fingerprint (another request's). */
export async function insertAlert(q: Q, route: string, fingerprint: string, w: AlertWrite): Promise<boolean> {
  const r = await q
    .insertInto('prom_alerts')
    .values({ route, fingerprint, version: 0, ...columnsOf(w) })
    .onConflict((oc) => oc.columns(['route', 'fingerprint']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Writes the alert if it is still at `version` (compare-and-set); false if another write came first. */
export async function updateAlert(q: Q, row: AlertRow, w: AlertWrite): Promise<boolean> {
  const r = await q
    .updateTable('prom_alerts')
    .set({ ...columnsOf(w), version: row.version + 1 })
    .where('route', '=', row.route)
    .where('fingerprint', '=', row.fingerprint)
    .where('version', '=', row.version)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The firing alerts of a route's group, to time a newcomer by the group's notifications. */
export async function firingOfGroup(q: Q, route: string, groupKey: string): Promise<AlertRow[]> {
  const rows = await q
    .selectFrom('prom_alerts')
    .selectAll()
    .where('route', '=', route)
    .where('group_key', '=', groupKey)
    .where('state', '=', 'firing')
    .execute();
  return rows.map(rowOf);
}

/** The alerts due for a look (a notification due, a repeat, an expiry), oldest first. */
export async function dueAlerts(q: Q, now: number, limit: number): Promise<AlertRow[]> {
  const rows = await q
    .selectFrom('prom_alerts')
    .selectAll()
    .where('next_at', '<=', now)
    .orderBy('next_at')
    .limit(limit)
    .execute();
  return rows.map(rowOf);
}

/** The alerts held, firing first, newest first (the list route). */
export async function listAlerts(q: Q, limit: number): Promise<AlertRow[]> {
  const rows = await q
    .selectFrom('prom_alerts')
    .selectAll()
    .orderBy('state')
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(rowOf);
}

/** Deletes resolved alerts last written before `before`. */
export async function pruneResolved(q: Q, before: number): Promise<void> {
  await q.deleteFrom('prom_alerts').where('state', '=', 'resolved').where('updated_at', '<', before).execute();
}
