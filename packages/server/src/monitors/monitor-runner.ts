/**
 * Runs one check when the scheduler says it is due: probe, state machine,
 * result recording, and — on a transition — the new state and its
 * notification written in one transaction. Other state changes are written
 * in batches by `flush`.
 */
import type { Kysely } from 'kysely';
import type { ProbeSpec } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import type { MaintenanceService } from './maintenance-service.js';
import { monitorEvent } from './monitor-events.js';
import type { MonitorRegistry } from './monitor-registry.js';
import { afterCheck } from './monitor-state.js';
import * as store from './monitor-store.js';
import { runProbe } from './probes/probe-registry.js';
import type { ResultRecorder } from './result-recorder.js';

export const CHECK_JOB = 'monitor-check';

/** A stable spread of first checks over the interval, so a start-up is no burst. */
export function spreadOffset(id: string, intervalMs: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % intervalMs;
}

export class MonitorRunner {
  private lastFullFlush = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly registry: MonitorRegistry,
    private readonly recorder: ResultRecorder,
    private readonly maintenance: MaintenanceService,
    private readonly publisher: PublishService,
    private readonly logger: Logger,
    private readonly onCheck: (monitorName: string, up: boolean, latencyMs: number) => void = () => {},
  ) {}

  /** The scheduler's handler: returns when to check next, or null to stop (deleted or paused). */
  async check(id: string): Promise<number | null> {
    const entry = this.registry.get(id);
    if (!entry || entry.monitor.paused) return null;
    const m = entry.monitor;
    const result = await runProbe(m.probe as ProbeSpec, { timeoutMs: m.timeoutMs });
    const now = this.clock.now();
    // The monitor may have been edited or deleted while the probe ran.
    const current = this.registry.get(id);
    if (!current || current.monitor !== m) return current && !current.monitor.paused ? now + current.monitor.intervalMs : null;
    const latencyMs = Math.round(result.timings.totalMs);
    const prev = entry.runtime;
    const decision = afterCheck(
      prev,
      { up: result.up, reason: result.reason, latencyMs },
      { failureThreshold: m.failureThreshold, successThreshold: m.successThreshold, intervalMs: m.intervalMs, retryIntervalMs: m.retryIntervalMs ?? undefined, reminderMs: m.reminderMs ?? undefined },
      now,
      this.maintenance.isActive(m, now),
    );
    this.recorder.record(m.num, { at: now, up: result.up, latencyMs, statusCode: result.statusCode ?? null, reason: result.reason });
    this.onCheck(m.name, result.up, latencyMs);
    const nextCheckAt = now + decision.nextCheckInMs;
    if (decision.transition) {
      const announce = decision.announce;
      await this.db.transaction().execute(async (trx) => {
        await store.saveStates(trx, [{ id, runtime: decision.runtime, nextCheckAt }]);
        if (announce && m.topics.length) {
          const failingSince = announce.kind === 'monitor.down' ? announce.failingSince : prev.failingSince;
          await this.publisher.publishIn(trx, m.topics, monitorEvent(m, announce, failingSince, { statusCode: result.statusCode, latencyMs }));
        }
      });
      if (announce) {
        this.publisher.notifyQueued();
        this.logger.info(announce.kind, { monitor: m.name, reason: result.reason });
      }
      entry.dirty = false;
      entry.stale = false;
    } else if (decision.runtime.consecutiveFailures !== prev.consecutiveFailures || prev.consecutiveSuccesses < m.successThreshold || decision.runtime.lastUp !== prev.lastUp) {
      entry.dirty = true;
    } else entry.stale = true;
    entry.runtime = decision.runtime;
    entry.nextCheckAt = nextCheckAt;
    return nextCheckAt;
  }

  /**
   * Writes runtime states and buffered results; `all` also writes open
   * result chunks and every state (shutdown). Last-check times alone are
   * written once a minute: after a crash they may be that old.
   */
  async flush(all = false): Promise<void> {
    const now = this.clock.now();
    const everything = all || now - this.lastFullFlush >= 60_000;
    if (everything) this.lastFullFlush = now;
    const dirty = this.registry.takeDirty(everything);
    if (dirty.length) {
      await this.db.transaction().execute((trx) => store.saveStates(trx, dirty.map((e) => ({ id: e.monitor.id, runtime: e.runtime, nextCheckAt: e.nextCheckAt }))));
    }
    await this.recorder.flush(this.clock.now(), all);
  }
}
