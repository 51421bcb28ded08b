/**
 * Every change of a monitor's runtime state goes through one writer: each
 * check's new state (counters, last result, next due time) is written by
 * group commit, with the events of a transition in the same transaction,
 * so what is durable is always a prefix of each monitor's checks in order,
 * and a crash loses at most the batch being written (milliseconds), not
 * seconds of counts. Under load a batch holds many monitors' states: one
 * transaction per batch, never one per check. A state whose row is not
 * there (the monitor was deleted, or its creation has not committed yet:
 * a config apply schedules checks inside its transaction) is not written,
 * nor is its event: the check does not count, and the next one decides
 * again. Neither is a state whose lease this node no longer holds (the
 * fence, see cluster/fence.ts): another node checks that monitor now.
 * A transition of the shown state (a check's, or a pause's) is recorded in
 * monitor_changes in the same transaction, with or without an event, and
 * only when its state is written: one INSERT for the batch's transitions.
 */
import type { Kysely } from 'kysely';
import type { EventInput } from '@tocsin/protocol';
import type { Fence, LeaseToken } from '../cluster/fence.js';
import { GroupCommit } from '../core/group-commit.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import { insertMonitorChanges, type MonitorChange } from './monitor-change-store.js';
import type { MonitorRuntime } from './monitor-state.js';
import * as store from './monitor-store.js';

export interface StateWrite {
  id: string;
  /** The lease under which the check ran. */
  token: LeaseToken;
  runtime: MonitorRuntime;
  nextCheckAt: number | null;
  /** The transition's notification, published in the same transaction. */
  event?: { topics: readonly string[]; input: EventInput };
  /** Transitions of the shown state this write makes (absent on the checks that make none). */
  changes?: readonly MonitorChange[];
}

export class MonitorStateWriter {
  private readonly commit: GroupCommit<StateWrite, boolean>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly publisher: PublishService,
    private readonly fence: Fence,
  ) {
    this.commit = new GroupCommit((items) => this.write(items), 1000);
  }

  /**
   * Resolves once the state (and its event) has committed: true, or false when the monitor's row was not there
   * or its lease is gone.
   */
  submit(item: StateWrite): Promise<boolean> {
    return this.commit.submit(item);
  }

  drain(): Promise<void> {
    return this.commit.drain();
  }

  private async write(items: StateWrite[]): Promise<boolean[]> {
    // A monitor written twice in one batch: its last state wins; its events all go out, in order.
    const last = new Map<string, StateWrite>();
    for (const item of items) last.set(item.id, item);
    let published = 0;
    const written = await this.db.transaction().execute(async (trx) => {
      const latest = [...last.values()];
      const held = await this.fence.hold(
        trx,
        latest.map((w) => w.token),
      );
      const allowed = latest.filter((w) => held.has(w.token));
      this.fence.refused('monitors', latest.length - allowed.length);
      const ids = await store.saveStates(trx, allowed);
      const changes: MonitorChange[] = [];
      for (const e of items) {
        if (!ids.has(e.id)) continue;
        if (e.changes) changes.push(...e.changes);
        if (!e.event?.topics.length) continue;
        await this.publisher.publishIn(trx, e.event.topics, e.event.input);
        published++;
      }
      if (changes.length) await insertMonitorChanges(trx, changes);
      return ids;
    });
    if (published) this.publisher.notifyQueued();
    return items.map((i) => written.has(i.id));
  }
}
