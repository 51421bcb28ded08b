/**
 * Monitors across nodes (PostgreSQL). Every node holds every monitor in
 * memory; only the node owning a monitor's key checks it and writes its
 * state. This keeps the others right:
 * - `changed`/`resync`: a monitor created, edited or deleted through another
 *   node's API (a change notice) is read again; the owner applies the edit
 *   as the API node did (a pause changes the shown state, the next check
 *   comes within a few seconds), the others take the stored state too.
 * - `gained`: before this node starts checking monitors it took over, their
 *   state and next due time are read from the database (the previous owner's
 *   last committed check). After a crash of that owner, streak counts start
 *   again (resumeAfterCrash), as after a crash of a single node; overdue
 *   checks are spread over a second (TAKE_OVER_SPREAD_MS), or over the catch-up window
 *   of a start when this process is starting.
 * - `refreshUnowned`: before a view, the states of monitors checked elsewhere.
 */
import type { Kysely } from 'kysely';
import type { Gained } from '../cluster/lease-ownership.js';
import type { Fence } from '../cluster/fence.js';
import type { Clock } from '../core/clock.js';
import type { Database } from '../db/db-schema.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { MonitorEntry, MonitorRegistry } from './monitor-registry.js';
import { CHECK_JOB } from './monitor-runner.js';
import { applyDefinition, CATCH_UP_MS, scheduleAfterChange } from './monitor-service.js';
import { resumeAfterCrash } from './monitor-state.js';
import * as store from './monitor-store.js';
import type { MonitorWithState } from './monitor-types.js';
import type { ResultRecorder } from './result-recorder.js';

/**
 * Monitors taken over overdue are spread over this long (at most their interval): a dead node's monitors are
 * checked again within their interval and the lease timeout, with no burst of all of them in one instant.
 */
export const TAKE_OVER_SPREAD_MS = 1_000;

export class MonitorSync {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly registry: MonitorRegistry,
    private readonly scheduler: Scheduler,
    private readonly fence: Fence,
    private readonly recorder: ResultRecorder,
  ) {}

  /** Monitors changed through another node. */
  async changed(ids: readonly string[]): Promise<void> {
    const rows = new Map((await store.loadByIds(this.db, ids)).map((r) => [r.monitor.id, r]));
    for (const id of ids) {
      const row = rows.get(id);
      if (row) this.apply(row);
      else this.drop(id);
    }
  }

  /** Notices may have been missed: every monitor is read again. */
  async resync(): Promise<void> {
    const rows = await store.loadAll(this.db);
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.monitor.id);
      this.apply(row);
    }
    for (const e of this.registry.all()) if (!seen.has(e.monitor.id)) this.drop(e.monitor.id);
  }

  /** Monitors about to be checked here: their stored state and due time (see the top of this file). */
  async gained(gained: Gained): Promise<void> {
    const states = await store.loadStates(this.db);
    const now = this.clock.now();
    const overdue: MonitorEntry[] = [];
    for (const [id, stored] of states) {
      const entry = this.registry.get(id);
      if (!entry || !gained.has(CHECK_JOB, id)) continue;
      entry.runtime = gained.afterCrash(CHECK_JOB, id) ? resumeAfterCrash(stored.runtime) : stored.runtime;
      entry.nextCheckAt = stored.nextCheckAt;
      entry.dirty = false;
      entry.changes = undefined;
      if (entry.monitor.paused) continue;
      if (stored.nextCheckAt !== null && stored.nextCheckAt > now)
        this.scheduler.schedule(CHECK_JOB, id, Math.min(stored.nextCheckAt, now + entry.monitor.intervalMs));
      else overdue.push(entry);
    }
    overdue.sort((a, b) => (a.runtime.lastCheckAt ?? -Infinity) - (b.runtime.lastCheckAt ?? -Infinity));
    overdue.forEach((entry, i) => {
      const window = Math.min(gained.atStart ? CATCH_UP_MS : TAKE_OVER_SPREAD_MS, entry.monitor.intervalMs);
      entry.nextCheckAt = now + Math.floor((i * window) / overdue.length);
      this.scheduler.schedule(CHECK_JOB, entry.monitor.id, entry.nextCheckAt);
    });
  }

  /** The stored states of the monitors other nodes check. */
  async refreshUnowned(): Promise<void> {
    const states = await store.loadStates(this.db);
    for (const [id, stored] of states) {
      const entry = this.registry.get(id);
      if (!entry || this.owned(id)) continue;
      entry.runtime = stored.runtime;
      entry.nextCheckAt = stored.nextCheckAt;
    }
  }

  private owned(id: string): boolean {
    return this.fence.token(CHECK_JOB, id) !== null;
  }

  private apply(row: MonitorWithState): void {
    const id = row.monitor.id;
    const entry = this.registry.get(id);
    const now = this.clock.now();
    if (!entry) {
      const added: MonitorEntry = { ...row, nextCheckAt: null, dirty: false };
      this.registry.set(added);
      scheduleAfterChange(this.scheduler, added, now);
      return;
    }
    const edited = entry.monitor.updatedAt !== row.monitor.updatedAt;
    if (this.owned(id)) {
      if (!edited) return;
      applyDefinition(entry, row.monitor, now);
      this.registry.set(entry);
      scheduleAfterChange(this.scheduler, entry, now);
      return;
    }
    entry.runtime = row.runtime;
    entry.nextCheckAt = row.nextCheckAt;
    if (!edited) return;
    entry.monitor = row.monitor;
    this.registry.set(entry);
    if (row.monitor.paused) this.scheduler.cancel(CHECK_JOB, id);
    else this.scheduler.schedule(CHECK_JOB, id, row.nextCheckAt ?? now);
  }

  private drop(id: string): void {
    const entry = this.registry.get(id);
    if (!entry) return;
    this.registry.delete(id);
    this.scheduler.cancel(CHECK_JOB, id);
    this.recorder.forget(entry.monitor.num);
  }
}
