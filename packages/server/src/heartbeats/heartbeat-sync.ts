/**
 * Heartbeats across nodes (PostgreSQL). Every node holds every heartbeat in
 * memory and takes pings for any of them (ping-writer.ts locks the state
 * rows); only the node owning a heartbeat's key watches its deadline.
 * - `changed`/`resync`: a heartbeat created, edited or deleted through
 *   another node is read again, definition and state.
 *   Pings or deadlines applied on another node come the same way (their
 *   topic is the writer's): the stored state replaces memory's and the
 *   deadline moves (parked when not owned).
 * - `gained`: before deadlines taken over run, their state is read again.
 */
import type { Kysely } from 'kysely';
import type { HeartbeatSpec } from '@tocsin/protocol';
import type { Gained } from '../cluster/lease-ownership.js';
import type { Database } from '../db/db-schema.js';
import { rulesOf, type HeartbeatEntry, type HeartbeatRegistry } from './heartbeat-registry.js';
import { DEADLINE_JOB } from './heartbeat-service.js';
import { nextDeadline, type HeartbeatRuntime } from './heartbeat-state.js';
import * as store from './heartbeat-store.js';

type Row = store.HeartbeatRow & store.StoredState;

export class HeartbeatSync {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly registry: HeartbeatRegistry,
    /** Sets (or cancels, with null) a heartbeat's deadline in the scheduler. */
    private readonly schedule: (id: string, at: number | null) => void,
  ) {}

  async changed(ids: readonly string[]): Promise<void> {
    const rows = new Map((await store.loadByIds(this.db, ids)).map((r) => [r.id, r]));
    for (const id of ids) {
      const row = rows.get(id);
      if (row) this.apply(row);
      else this.drop(id);
    }
  }

  async resync(): Promise<void> {
    const rows = await store.loadAll(this.db);
    const seen = new Set(rows.map((r) => r.id));
    for (const row of rows) this.apply(row);
    for (const e of this.registry.all()) if (!seen.has(e.row.id)) this.drop(e.row.id);
  }

  async gained(gained: Gained): Promise<void> {
    const ids = this.registry
      .all()
      .map((e) => e.row.id)
      .filter((id) => gained.has(DEADLINE_JOB, id));
    for (let i = 0; i < ids.length; i += 500) await this.changed(ids.slice(i, i + 500));
  }

  private apply(row: Row): void {
    const old = this.registry.get(row.id);
    const spec = row.spec as unknown as HeartbeatSpec;
    const edited = !old || old.row.updatedAt !== row.updatedAt;
    const entry: HeartbeatEntry = edited
      ? { row: rowOf(row), spec, rules: rulesOf(spec), runtime: row.runtime as HeartbeatRuntime }
      : { ...old, runtime: row.runtime as HeartbeatRuntime };
    this.registry.set(entry);
    this.schedule(row.id, nextDeadline(entry.runtime, entry.rules));
  }

  private drop(id: string): void {
    if (!this.registry.get(id)) return;
    this.registry.delete(id);
    this.schedule(id, null);
  }
}

function rowOf(r: Row): store.HeartbeatRow {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    pingUuid: r.pingUuid,
    spec: r.spec,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
