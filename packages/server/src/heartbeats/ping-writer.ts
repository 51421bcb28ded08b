/**
 * Every change of a heartbeat's state goes through one writer: pings and
 * passing deadlines are applied in arrival order and written with the
 * events they cause in one transaction per batch (group commit), so a ping
 * is answered only once it is durable, and a state change and its
 * notification commit together.
 *
 * On PostgreSQL every node takes pings, so memory is not the truth of a
 * heartbeat's state: a batch locks the state rows it touches (FOR UPDATE),
 * computes from what is stored, and tells the other nodes which heartbeats
 * changed (their views and the owner's deadline follow). Two nodes' batches
 * for one heartbeat thus apply one after the other, and a transition is
 * computed once. Passing deadlines (ticks) are the owner's work: a tick whose
 * lease is gone (cluster/fence.ts) is dropped, and the new owner ticks.
 */
import type { Kysely } from 'kysely';
import type { ChangeBus } from '../cluster/change-bus.js';
import type { Fence, LeaseToken } from '../cluster/fence.js';
import type { Clock } from '../core/clock.js';
import { GroupCommit } from '../core/group-commit.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { LiveChange } from '../live/live-hub.js';
import type { PublishService } from '../notify/publish-service.js';
import { heartbeatEvent } from './heartbeat-events.js';
import type { HeartbeatEntry, HeartbeatRegistry } from './heartbeat-registry.js';
import {
  applyDeadlines,
  applyPing,
  nextDeadline,
  type HeartbeatDecision,
  type HeartbeatRuntime,
} from './heartbeat-state.js';
import * as store from './heartbeat-store.js';

export interface PingItem {
  type: 'ping';
  heartbeatId: string;
  kind: 'success' | 'start' | 'fail' | 'log';
  exitStatus: number | null;
  rid: string | null;
  method: string;
  remoteAddr: string | null;
  userAgent: string | null;
  body: string | null;
  bodyTruncated: boolean;
  bodyNulsReplaced: boolean;
}

export interface TickItem {
  type: 'tick';
  heartbeatId: string;
  /** The lease under which the deadline came due. */
  token: LeaseToken;
}

/** What a node shares with the others (PostgreSQL); on one node, nothing. */
export interface SharedState {
  fence: Fence;
  changes: ChangeBus;
}

/** The change topic of heartbeat states (pings and deadlines). */
export const STATE_TOPIC = 'heartbeat-state';

export type WriterItem = PingItem | TickItem;

export interface WriteResult {
  /** The heartbeat's next deadline after this item, for the scheduler. */
  nextDeadline: number | null;
}

export class PingWriter {
  private readonly commit: GroupCommit<WriterItem, WriteResult>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly registry: HeartbeatRegistry,
    private readonly publisher: PublishService,
    private readonly onDeadline: (id: string, at: number | null) => void,
    /** Called after commit for each finished run: its duration becomes a datapoint. */
    private readonly onRun: (heartbeat: string, durationMs: number, at: number, failed: boolean) => void = () => {},
    /** Set when several nodes share the database (see the top of this file). */
    private readonly shared?: SharedState,
    /** After commit, each change of state (the live stream). */
    private readonly onChange: (change: LiveChange) => void = () => {},
  ) {
    this.commit = new GroupCommit((items) => this.write(items), 500);
  }

  submit(item: WriterItem): Promise<WriteResult> {
    return this.commit.submit(item);
  }

  drain(): Promise<void> {
    return this.commit.drain();
  }

  private async write(items: WriterItem[]): Promise<WriteResult[]> {
    const now = this.clock.now();
    const memory = (id: string) => this.registry.get(id)?.runtime;
    let plan: Plan;
    if (!this.shared) {
      plan = this.plan(items, now, memory);
      await this.db.transaction().execute((trx) => this.store(trx, plan));
    } else {
      const shared = this.shared;
      plan = await this.db.transaction().execute(async (trx) => {
        const ticks = items.filter((i): i is TickItem => i.type === 'tick');
        const held = await shared.fence.hold(
          trx,
          ticks.map((t) => t.token),
        );
        shared.fence.refused('heartbeats', ticks.length - held.size);
        const live = items.filter((i) => i.type === 'ping' || held.has(i.token));
        const stored = await store.lockRuntimes(trx, [...new Set(live.map((i) => i.heartbeatId))]);
        const p = this.plan(items, now, (id) => (stored.get(id) as HeartbeatRuntime | undefined) ?? memory(id), live);
        await this.store(trx, p);
        if (p.runtimes.size) await shared.changes.publish(trx, STATE_TOPIC, [...p.runtimes.keys()]);
        return p;
      });
    }
    if (plan.events.length) this.publisher.notifyQueued();
    for (const r of plan.runs) this.onRun(r.name, r.durationMs, now, r.failed);
    for (const c of plan.changes) {
      const name = this.registry.get(c.heartbeat_id)?.row.name;
      if (name !== undefined)
        this.onChange({ type: 'heartbeat', name, state: c.to_state, at: c.at, reason: c.reason ?? undefined });
    }
    for (const [id, runtime] of plan.runtimes) {
      const entry = this.registry.get(id);
      if (!entry) continue;
      entry.runtime = runtime;
      this.onDeadline(id, nextDeadline(runtime, entry.rules));
    }
    return plan.results;
  }

  /** Applies the items in order to the runtimes `runtimeOf` gives; `live` (all by default) are the items applied. */
  private plan(
    items: WriterItem[],
    now: number,
    runtimeOf: (id: string) => HeartbeatRuntime | undefined,
    live: readonly WriterItem[] = items,
  ): Plan {
    // On one node every item applies: no set to build on the hot path.
    const applied = live === items ? undefined : new Set(live);
    const plan: Plan = { runtimes: new Map(), pings: [], events: [], changes: [], runs: [], results: [] };
    for (const item of items) {
      const entry = this.registry.get(item.heartbeatId);
      const start = entry ? (plan.runtimes.get(entry.row.id) ?? runtimeOf(entry.row.id)) : undefined;
      if (!entry || !start) {
        plan.results.push({ nextDeadline: null });
        continue;
      }
      if (applied && !applied.has(item)) {
        plan.results.push({ nextDeadline: nextDeadline(start, entry.rules) });
        continue;
      }
      const rt = this.apply(plan, entry, start, item, now);
      plan.runtimes.set(entry.row.id, rt);
      plan.results.push({ nextDeadline: nextDeadline(rt, entry.rules) });
    }
    return plan;
  }

  /** One item's decisions: the ping row, the changes of state and their events; answers the new runtime. */
  private apply(plan: Plan, entry: HeartbeatEntry, prev: HeartbeatRuntime, item: WriterItem, now: number) {
    let decisions: HeartbeatDecision[];
    if (item.type === 'ping') {
      // Deadlines that passed are applied before the ping, so a late ping still counts the run it missed.
      decisions = applyPingAfterDeadlines(prev, entry, now, item);
      const d = decisions[decisions.length - 1];
      plan.pings.push({
        id: uuidv7(now),
        heartbeat_id: entry.row.id,
        at: now,
        kind: item.kind,
        exit_status: item.exitStatus,
        rid: item.rid,
        method: item.method,
        remote_addr: item.remoteAddr,
        user_agent: item.userAgent,
        body: item.body,
        body_truncated: item.bodyTruncated ? 1 : 0,
        body_nuls_replaced: item.bodyNulsReplaced ? 1 : 0,
        duration_ms: d.runDurationMs ?? null,
      });
      if (d.runDurationMs !== undefined)
        plan.runs.push({ name: entry.row.name, durationMs: d.runDurationMs, failed: item.kind === 'fail' });
    } else decisions = applyDeadlines(prev, entry.rules, now);
    let rt = prev;
    for (const d of decisions) {
      if (d.runtime.state !== rt.state) {
        plan.changes.push({
          id: uuidv7(d.runtime.stateChangedAt),
          heartbeat_id: entry.row.id,
          at: d.runtime.stateChangedAt,
          from_state: rt.state,
          to_state: d.runtime.state,
          reason: d.runtime.lastReason,
        });
      }
      if (d.announce && entry.spec.topics.length) {
        const outageSince = d.announce.kind === 'heartbeat.up' ? rt.stateChangedAt : d.runtime.stateChangedAt;
        plan.events.push({
          topics: entry.spec.topics,
          event: heartbeatEvent(
            { id: entry.row.id, name: entry.row.name, tags: entry.spec.tags },
            d.announce,
            outageSince,
            item.type === 'ping' ? item.body : null,
          ),
        });
      }
      rt = d.runtime;
    }
    return rt;
  }

  private async store(trx: Kysely<Database>, plan: Plan): Promise<void> {
    await store.insertPings(trx, plan.pings);
    await store.saveStates(
      trx,
      [...plan.runtimes].map(([id, runtime]) => ({
        id,
        state: runtime.state,
        runtime,
        nextDeadline: nextDeadline(runtime, this.registry.get(id)!.rules),
      })),
    );
    await store.insertChanges(trx, plan.changes);
    for (const e of plan.events) await this.publisher.publishIn(trx, e.topics, e.event);
  }
}

/** What one batch writes. */
interface Plan {
  runtimes: Map<string, HeartbeatRuntime>;
  pings: store.PingRow[];
  events: { topics: string[]; event: ReturnType<typeof heartbeatEvent> }[];
  changes: store.ChangeRow[];
  runs: { name: string; durationMs: number; failed: boolean }[];
  results: WriteResult[];
}

function applyPingAfterDeadlines(
  prev: HeartbeatRuntime,
  entry: HeartbeatEntry,
  now: number,
  item: PingItem,
): HeartbeatDecision[] {
  const passed = applyDeadlines(prev, entry.rules, now);
  const before = passed.length ? passed[passed.length - 1].runtime : prev;
  return [
    ...passed,
    applyPing(before, entry.rules, { kind: item.kind, at: now, rid: item.rid, exitStatus: item.exitStatus }),
  ];
}
