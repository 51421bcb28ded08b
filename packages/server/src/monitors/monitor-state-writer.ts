/**
 * Every change of a monitor's runtime state goes through one writer: each
 * check's new state (counters, last result, next due time) is written by
 * group commit, with the events of a transition in the same transaction,
 * so what is durable is always a prefix of each monitor's checks in order,
 * and a crash loses at most the batch being written (milliseconds), not
 * seconds of counts. Under load a batch holds many monitors' states: one
 * transaction per batch, never one per check.
 */
import type { Kysely } from 'kysely';
import type { EventInput } from '@tocsin/protocol';
import { GroupCommit } from '../core/group-commit.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import type { MonitorRuntime } from './monitor-state.js';
import * as store from './monitor-store.js';

export interface StateWrite {
  id: string;
  runtime: MonitorRuntime;
  nextCheckAt: number | null;
  /** The transition's notification, published in the same transaction. */
  event?: { topics: readonly string[]; input: EventInput };
}

export class MonitorStateWriter {
  private readonly commit: GroupCommit<StateWrite>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly publisher: PublishService,
  ) {
    this.commit = new GroupCommit((items) => this.write(items), 1000);
  }

  /** Resolves once the state (and its event) has committed. */
  submit(item: StateWrite): Promise<void> {
    return this.commit.submit(item);
  }

  drain(): Promise<void> {
    return this.commit.drain();
  }

  private async write(items: StateWrite[]): Promise<void[]> {
    // A monitor written twice in one batch: its last state wins; its events all go out, in order.
    const last = new Map<string, StateWrite>();
    for (const item of items) last.set(item.id, item);
    const events = items.filter((i) => i.event && i.event.topics.length);
    await this.db.transaction().execute(async (trx) => {
      await store.saveStates(trx, [...last.values()]);
      for (const e of events) await this.publisher.publishIn(trx, e.event!.topics, e.event!.input);
    });
    if (events.length) this.publisher.notifyQueued();
    return items.map(() => undefined);
  }
}
