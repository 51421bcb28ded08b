/**
 * Alarms across nodes (PostgreSQL). Every node holds every alarm in memory;
 * only the node owning an alarm's key evaluates it. This keeps the others
 * right, by reading rows again:
 * - `changed`: a change notice from another node (an alarm created, replaced
 *   or deleted, a state changed by an evaluation or by hand). A new alarm is
 *   added and scheduled, a gone one removed and cancelled, a changed spec
 *   replaced and rescheduled; a changed state is taken into memory, and the
 *   composites this node owns that name the alarm look again.
 * - `resync`: notices may have been lost (the listener reconnected): every
 *   row is read again and memory is diffed against them.
 * - `gained`: before this node evaluates alarms it took over, their rows are
 *   read again (the previous owner's last committed writes).
 * - `refreshLocked`: a write refused by the compare-and-set (another node
 *   changed the state first) reads that alarm's row again.
 * On one node no notice arrives and nothing is gained: memory is the truth.
 */
import type { Kysely } from 'kysely';
import type { Gained } from '../cluster/lease-ownership.js';
import type { Database } from '../db/db-schema.js';
import { entryOf, type AlarmEntry, type AlarmRegistry } from './alarm-registry.js';
import type { AlarmState } from './alarm-evaluator.js';
import * as store from './alarm-store.js';

/** What the service does when the sync changed an alarm. */
export interface AlarmSyncHooks {
  /** A new or re-specified alarm: its next evaluation. */
  schedule(e: AlarmEntry): void;
  /** A removed alarm: its evaluations stop. */
  cancel(id: string): void;
  /** An alarm's state changed elsewhere: the composites naming it look again (those this node owns). */
  stateChanged(e: AlarmEntry): Promise<void>;
}

export class AlarmSync {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly registry: AlarmRegistry,
    private readonly evalJob: string,
    private readonly hooks: AlarmSyncHooks,
  ) {}

  /** Alarms changed through another node. */
  async changed(ids: readonly string[]): Promise<void> {
    const rows = new Map((await store.loadAlarms(this.db, [...new Set(ids)])).map((r) => [r.id, r]));
    for (const id of new Set(ids)) await this.registry.serialized(id, () => this.applyLocked(id, rows.get(id)));
  }

  /** Notices may have been missed: every alarm is read again. */
  async resync(): Promise<void> {
    const rows = await store.listAlarms(this.db);
    const seen = new Set(rows.map((r) => r.id));
    for (const e of [...this.registry.all()])
      if (!seen.has(e.id)) await this.registry.serialized(e.id, () => this.applyLocked(e.id, undefined));
    for (const r of rows) await this.registry.serialized(r.id, () => this.applyLocked(r.id, r));
  }

  /** Alarms about to be evaluated here: their stored rows (see the top of this file). */
  async gained(gained: Gained): Promise<void> {
    const ids = [...this.registry.all()].filter((e) => gained.has(this.evalJob, e.id)).map((e) => e.id);
    if (ids.length === 0) return;
    const rows = new Map((await store.loadAlarms(this.db, ids)).map((r) => [r.id, r]));
    for (const id of ids) await this.registry.serialized(id, () => this.applyLocked(id, rows.get(id)));
  }

  /** Reads one alarm's row again; the caller holds the alarm's lock (a refused write). */
  async refreshLocked(id: string): Promise<void> {
    const [row] = await store.loadAlarms(this.db, [id]);
    await this.applyLocked(id, row);
  }

  /** Makes memory match one row (or its absence); under the alarm's lock. */
  private async applyLocked(id: string, row: store.AlarmRow | undefined): Promise<void> {
    const e = this.registry.byId(id);
    if (!row) {
      if (this.registry.remove(id)) this.hooks.cancel(id);
      return;
    }
    if (!e) {
      const added = entryOf(row);
      const displaced = this.registry.named(added.spec.name);
      this.registry.add(added);
      if (displaced && displaced.id !== id) this.hooks.cancel(displaced.id);
      this.hooks.schedule(added);
      await this.hooks.stateChanged(added);
      return;
    }
    if (row.spec !== JSON.stringify(e.spec)) {
      this.registry.respec(e, JSON.parse(row.spec));
      this.hooks.schedule(e);
    }
    if (row.state === e.state && row.state_changed_at === e.stateChangedAt) {
      if (row.evaluated_at !== null && (e.evaluatedAt === null || row.evaluated_at > e.evaluatedAt))
        e.evaluatedAt = row.evaluated_at;
      return;
    }
    const next = row.state as AlarmState;
    if (e.state === 'ALARM' && next !== 'ALARM') e.leftAlarmAt = row.state_changed_at;
    e.state = next;
    e.reason = row.reason;
    e.stateChangedAt = row.state_changed_at;
    e.evaluatedAt = row.evaluated_at;
    // Held for the state it had; the node that changed it decided the actions of the new one.
    e.pendingActions = undefined;
    await this.hooks.stateChanged(e);
  }
}
