/**
 * Every change of a heartbeat's state goes through one writer: pings and
 * passing deadlines are applied in arrival order and written with the
 * events they cause in one transaction per batch (group commit), so a ping
 * is answered only once it is durable, and a state change and its
 * notification commit together.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { GroupCommit } from '../core/group-commit.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
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
}

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
    const runtimes = new Map<string, HeartbeatRuntime>();
    const pings: store.PingRow[] = [];
    const events: { topics: string[]; event: ReturnType<typeof heartbeatEvent> }[] = [];
    const changes: store.ChangeRow[] = [];
    const runs: { name: string; durationMs: number; failed: boolean }[] = [];
    const results: WriteResult[] = [];
    for (const item of items) {
      const entry = this.registry.get(item.heartbeatId);
      if (!entry) {
        results.push({ nextDeadline: null });
        continue;
      }
      const prev = runtimes.get(entry.row.id) ?? entry.runtime;
      let decisions: HeartbeatDecision[];
      if (item.type === 'ping') {
        // Deadlines that passed are applied before the ping, so a late ping still counts the run it missed.
        decisions = applyPingAfterDeadlines(prev, entry, now, item);
        const d = decisions[decisions.length - 1];
        pings.push({
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
          runs.push({ name: entry.row.name, durationMs: d.runDurationMs, failed: item.kind === 'fail' });
      } else decisions = applyDeadlines(prev, entry.rules, now);
      let rt = prev;
      for (const d of decisions) {
        if (d.runtime.state !== rt.state) {
          changes.push({
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
          events.push({
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
      runtimes.set(entry.row.id, rt);
      results.push({ nextDeadline: nextDeadline(rt, entry.rules) });
    }
    await this.db.transaction().execute(async (trx) => {
      await store.insertPings(trx, pings);
      await store.saveStates(
        trx,
        [...runtimes].map(([id, runtime]) => ({
          id,
          state: runtime.state,
          runtime,
          nextDeadline: nextDeadline(runtime, this.registry.get(id)!.rules),
        })),
      );
      await store.insertChanges(trx, changes);
      for (const e of events) await this.publisher.publishIn(trx, e.topics, e.event);
    });
    if (events.length) this.publisher.notifyQueued();
    for (const r of runs) this.onRun(r.name, r.durationMs, now, r.failed);
    for (const [id, runtime] of runtimes) {
      const entry = this.registry.get(id);
      if (!entry) continue;
      entry.runtime = runtime;
      this.onDeadline(id, nextDeadline(runtime, entry.rules));
    }
    return results;
  }
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
