/**
 * Runs one check when the scheduler says it is due: probe, state machine,
 * result recording, and the new state — with the notification of a
 * transition — written by group commit (see monitor-state-writer.ts) before
 * the check counts. The next check is due one interval after this one
 * STARTED, so a target that hangs until the timeout does not stretch the
 * interval: detection takes at most interval × failureThreshold + timeout.
 * A monitor with a cron (object checks) is due at its slots' deadlines
 * instead, and on the interval only while failing (monitor-cron-schedule.ts).
 * A monitor with `locations` is probed from the server and its agents at once, and the quorum rule makes
 * their answers the check's one outcome (location-check.ts); each location's result is kept (location-results.ts).
 */
import type { Kysely } from 'kysely';
import type { ProbeSpec } from '@tocsin/protocol';
import type { Fence, LeaseToken } from '../cluster/fence.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import { nextSlotAfter } from '../scheduler/scheduler.js';
import type { MaintenanceService } from './maintenance-service.js';
import { cronScheduleOf } from './monitor-cron-schedule.js';
import { monitorEvent } from './monitor-events.js';
import type { MonitorChange } from './monitor-change-store.js';
import type { MonitorEntry, MonitorRegistry } from './monitor-registry.js';
import { afterCheck, type MonitorRuntime } from './monitor-state.js';
import { MonitorStateWriter, type StateWrite } from './monitor-state-writer.js';
import * as store from './monitor-store.js';
import { runProbe } from './probes/probe-registry.js';
import { runLocatedCheck, type LocatedCheck } from './location-check.js';
import { noRemoteProber, type RemoteProber } from './location-ports.js';
import type { LocationResults } from './location-results.js';
import type { ResultRecorder } from './result-recorder.js';
import type { Monitor } from './monitor-types.js';

export const CHECK_JOB = 'monitor-check';

/** A stable spread of first checks over the interval, so a start-up is no burst. */
export function spreadOffset(id: string, intervalMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % intervalMs;
}

/** Runs one probe; a test may stand in for the probes. */
export type ProbeRunner = typeof runProbe;

export class MonitorRunner {
  private readonly writer: MonitorStateWriter;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly registry: MonitorRegistry,
    private readonly recorder: ResultRecorder,
    private readonly maintenance: MaintenanceService,
    publisher: PublishService,
    private readonly logger: Logger,
    private readonly fence: Fence,
    private readonly onCheck: (monitorName: string, up: boolean, latencyMs: number) => void = () => {},
    private readonly probe: ProbeRunner = runProbe,
    /** After a check whose shown state changed has committed (the live stream). */
    private readonly onTransition: (m: Monitor, runtime: MonitorRuntime, at: number) => void = () => {},
    /** The agents a monitor with locations is also checked from, and where their results are kept. */
    private readonly located: { remote: RemoteProber; results?: LocationResults } = { remote: noRemoteProber },
  ) {
    this.writer = new MonitorStateWriter(db, publisher, fence);
  }

  /**
   * The scheduler's handler: returns when to check next, or null to stop
   * (deleted or paused). `dueAt` is when the check was due (the start, if not given).
   */
  async check(id: string, dueAt?: number): Promise<number | null> {
    const entry = this.registry.get(id);
    if (!entry || entry.monitor.paused) return null;
    // No longer this node's (a lease lost since it was due): kept, parked, for the node that owns it now.
    const token = this.fence.token(CHECK_JOB, id);
    if (!token) return dueAt ?? this.clock.now();
    const m = entry.monitor;
    const startedAt = this.clock.now();
    const cron = cronScheduleOf(m.probe);
    const slotAt = cron?.slotAt(startedAt) ?? undefined;
    const probeCtx = { timeoutMs: m.timeoutMs, now: startedAt, slotAt };
    const { locations } = m;
    let located: LocatedCheck | undefined;
    if (locations) located = await runLocatedCheck({ ...m, locations }, this.probe, this.located.remote, probeCtx);
    const result = located?.result ?? (await this.probe(m.probe as ProbeSpec, probeCtx));
    const now = this.clock.now();
    // The monitor may have been edited or deleted while the probe ran.
    const current = this.registry.get(id);
    if (!current || current.monitor !== m) {
      if (!current || current.monitor.paused) return null;
      // A cron monitor keeps the time its edit gave it (its next deadline, or soon while failing).
      const edited = cronScheduleOf(current.monitor.probe) ? current.nextCheckAt : null;
      return edited ?? now + current.monitor.intervalMs;
    }
    const latencyMs = Math.round(result.timings.totalMs);
    const prev = entry.runtime;
    const decision = afterCheck(
      prev,
      { up: result.up, reason: result.reason, latencyMs },
      {
        failureThreshold: m.failureThreshold,
        successThreshold: m.successThreshold,
        intervalMs: m.intervalMs,
        retryIntervalMs: m.retryIntervalMs ?? undefined,
        reminderMs: m.reminderMs ?? undefined,
      },
      now,
      this.maintenance.isActive(m, now),
    );
    this.recorder.record(m.num, {
      at: now,
      up: result.up,
      latencyMs,
      statusCode: result.statusCode ?? null,
      reason: result.reason,
    });
    if (located) this.located.results?.record(m.num, now, located.locations);
    this.onCheck(m.name, result.up, latencyMs);
    // One interval after its due time (not after it ran), in its phase after a stall; late ends go on at once.
    let nextCheckAt = Math.max(now, nextSlotAfter(dueAt ?? startedAt, startedAt, decision.nextCheckInMs));
    if (cron) {
      // Settled (up): the next slot's deadline; failing: again on the interval, but no later than that deadline.
      const nextSlot = cron.nextDueAfter(now) ?? nextCheckAt;
      nextCheckAt = result.up && decision.runtime.health === 'UP' ? nextSlot : Math.min(nextCheckAt, nextSlot);
    }
    const announce = decision.announce;
    const write: StateWrite = { id, token, runtime: decision.runtime, nextCheckAt };
    const to = decision.runtime.state;
    if (to !== prev.state) {
      const statusCode = result.statusCode ?? null;
      write.changes = [
        { monitorNum: m.num, at: now, from: prev.state, to, reason: result.reason, statusCode, latencyMs },
      ];
    }
    if (announce && m.topics.length) {
      const failingSince = announce.kind === 'monitor.down' ? announce.failingSince : prev.failingSince;
      write.event = {
        topics: m.topics,
        input: monitorEvent(m, announce, failingSince, {
          statusCode: result.statusCode,
          latencyMs,
          failedLocations: located?.outcome.failed,
        }),
      };
    }
    // Unless written, nothing of this check is applied: the next one decides again from the last written state.
    try {
      if (!(await this.writer.submit(write))) return nextCheckAt;
    } catch (err) {
      this.logger.warn('writing a monitor state failed', { monitor: m.name, err });
      return nextCheckAt;
    }
    if (announce) this.logger.info(announce.kind, { monitor: m.name, reason: result.reason });
    if (write.changes) this.onTransition(m, decision.runtime, now);
    if (entry.monitor === m) {
      entry.runtime = decision.runtime;
      entry.nextCheckAt = nextCheckAt;
    } else entry.dirty = true; // edited meanwhile: what memory holds now is written by the next flush
    return nextCheckAt;
  }

  /**
   * Writes states changed outside checks (a pause) and buffered results;
   * `all` also writes open result chunks and hours.
   */
  async flush(all = false): Promise<void> {
    // The node owning a monitor writes its state; another node's edit is applied there too (monitor-sync.ts).
    // Its pauses and resumes are recorded by the node that writes the state (another node's are dropped here).
    const dirty: { e: MonitorEntry; token: LeaseToken; changes?: MonitorChange[] }[] = [];
    for (const e of this.registry.takeDirty()) {
      const { changes } = e;
      e.changes = undefined;
      const token = this.fence.token(CHECK_JOB, e.monitor.id);
      if (token) dirty.push({ e, token, changes });
    }
    const write = ({ e, token, changes }: (typeof dirty)[number]) =>
      this.writer
        .submit({ id: e.monitor.id, token, runtime: e.runtime, nextCheckAt: e.nextCheckAt, changes })
        .catch((err: unknown) => {
          e.dirty = true; // written by a later flush, with its changes, before any made since
          if (changes) e.changes = [...changes, ...(e.changes ?? [])];
          throw err;
        });
    await Promise.all(dirty.map(write));
    await this.recorder.flush(this.clock.now(), all);
    await this.located.results?.flush();
  }

  /** At shutdown, once no check runs: writes everything and marks the stop clean (streak counts are then trusted). */
  async close(): Promise<void> {
    await this.writer.drain();
    await this.flush(true);
    await store.setCleanStop(this.db, true);
  }
}
