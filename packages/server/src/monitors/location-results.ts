/**
 * The latest per-location results, kept in memory until the monitors' flush writes them (one statement for
 * every location checked since), and read with what is not written yet laid over the table.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { SERVER_LOCATION, type LocationResult } from './location-quorum.js';
import { locationsOf, saveLocations, type StoredLocation } from './location-store.js';

export class LocationResults {
  private pending = new Map<string, StoredLocation>();

  constructor(private readonly db: Kysely<Database>) {}

  record(monitorNum: number, at: number, results: readonly LocationResult[]): void {
    for (const r of results)
      this.pending.set(`${monitorNum}/${r.id}`, {
        monitorNum,
        location: r.id,
        label: r.label,
        status: r.status,
        latencyMs: r.latencyMs,
        message: r.message,
        at,
      });
  }

  /** Writes what was recorded; kept for the next flush when the write fails. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await saveLocations(this.db, [...batch.values()]);
    } catch (err) {
      for (const [k, v] of batch) if (!this.pending.has(k)) this.pending.set(k, v);
      throw err;
    }
  }

  /** A monitor's latest result per location, the unwritten ones included: the server first, then by label. */
  async latest(monitorNum: number): Promise<StoredLocation[]> {
    const byLocation = new Map((await locationsOf(this.db, monitorNum)).map((r) => [r.location, r]));
    for (const r of this.pending.values()) if (r.monitorNum === monitorNum) byLocation.set(r.location, r);
    const rank = (r: StoredLocation) => (r.location === SERVER_LOCATION ? 0 : 1);
    return [...byLocation.values()].sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label));
  }

  forget(monitorNum: number): void {
    for (const [k, r] of this.pending) if (r.monitorNum === monitorNum) this.pending.delete(k);
  }
}
