/** The latest result of each location of each monitor checked from several (table monitor_locations). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import type { LocationStatus } from './location-quorum.js';

type Q = Kysely<Database>;

export interface StoredLocation {
  monitorNum: number;
  /** `server`, or the agent's id. */
  location: string;
  label: string;
  status: LocationStatus;
  latencyMs: number | null;
  message: string;
  at: number;
}

/** Writes many locations' latest results in one statement (each replaces its monitor's and location's row). */
export async function saveLocations(q: Q, rows: readonly StoredLocation[]): Promise<void> {
  if (rows.length === 0) return;
  await q
    .insertInto('monitor_locations')
    .values(
      rows.map((r) => ({
        monitor_num: r.monitorNum,
        location: r.location,
        label: r.label,
        status: r.status,
        latency_ms: r.latencyMs,
        message: r.message.slice(0, 1024),
        at: r.at,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['monitor_num', 'location']).doUpdateSet((eb) => ({
        label: eb.ref('excluded.label'),
        status: eb.ref('excluded.status'),
        latency_ms: eb.ref('excluded.latency_ms'),
        message: eb.ref('excluded.message'),
        at: eb.ref('excluded.at'),
      })),
    )
    .execute();
}

/** A monitor's locations, by label. */
export async function locationsOf(q: Q, monitorNum: number): Promise<StoredLocation[]> {
  const rows = await q
    .selectFrom('monitor_locations')
    .selectAll()
    .where('monitor_num', '=', monitorNum)
    .orderBy('label')
    .orderBy('location')
    .execute();
  return rows.map((r) => ({
    monitorNum: r.monitor_num,
    location: r.location,
    label: r.label,
    status: r.status as LocationStatus,
    latencyMs: r.latency_ms,
    message: r.message,
    at: Number(r.at),
  }));
}

export async function deleteMonitorLocations(q: Q, monitorNum: number): Promise<void> {
  await q.deleteFrom('monitor_locations').where('monitor_num', '=', monitorNum).execute();
}

/** Drops locations not heard of since `before` (an agent gone, a monitor no longer checked from it). */
export async function pruneLocations(q: Q, before: number): Promise<number> {
  const r = await q.deleteFrom('monitor_locations').where('at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
