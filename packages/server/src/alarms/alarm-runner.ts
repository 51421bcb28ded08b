/**
 * What evaluates alarms and writes their changes of state. The scheduler
 * runs `evaluateNow` for each alarm this node owns (job EVAL_JOB, key = the
 * alarm's id): a metric alarm is judged on the periods ending at the latest
 * step boundary, a composite on its children's states in memory (a child's
 * change makes the composites naming it look again at once). A change is
 * written with its history and actions in one transaction
 * (alarm-transition-writer.ts): through the fence with the token the
 * evaluation took when it started, and as a compare-and-set on the state
 * it started from. A refused write changes nothing in memory: a fenced one
 * is counted and logged (the partition moved), a stale one reads the
 * alarm's row again (another node changed it first) and notifies nothing.
 *
 * A composite's actions held by its suppressor's wait period
 * (pendingActions) live in the evaluating node's memory only.
 */
import { isComposite, type AlarmSpec, type CompositeAlarmSpec } from '@tocsin/protocol';
import type { Kysely } from 'kysely';
import type { ChangeBus } from '../cluster/change-bus.js';
import type { Fence, LeaseToken } from '../cluster/fence.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { actionsFor, alarmEvent, type ActionSinks } from './alarm-actions.js';
import { actionDecision, compositeState } from './alarm-composite.js';
import { evaluate, evaluationRangeSize, type AlarmState, type PeriodValue } from './alarm-evaluator.js';
import type { AlarmEntry, AlarmRegistry } from './alarm-registry.js';
import {
  FencedWrite,
  StaleAlarmState,
  writeDelayedActions,
  writeTransition,
  type TransitionGuard,
} from './alarm-transition-writer.js';

export const EVAL_JOB = 'alarm-evaluation';

/** Where datapoints come from; the metrics domain provides it. */
export type PeriodSource = (
  key: { namespace: string; name: string; dimensions: Record<string, string> },
  statistic: string,
  periodMs: number,
  end: number,
  n: number,
) => Promise<PeriodValue[]>;

/** Extra context for the notification of a change of state (alarm-service.ts `addAnnotator`), merged in order. */
export interface AlarmAnnotation {
  /** Merged into the event's attributes. */
  attributes?: Record<string, unknown>;
  /** Appended to the event's text, after a blank line. */
  text?: string;
}

/** A change of state as annotators see it, before its event is written. */
export interface AnnotatedChange {
  old: AlarmState;
  next: AlarmState;
  reason: string;
  at: number;
  /** The periods the decision used, most recent first. */
  used: readonly PeriodValue[];
}

export interface AlarmRunnerDeps {
  db: Kysely<Database>;
  clock: Clock;
  scheduler: Scheduler;
  publisher: PublishService;
  sinks: ActionSinks;
  periods: PeriodSource;
  fence: Fence;
  changes: ChangeBus;
  logger: Logger;
  registry: AlarmRegistry;
  /** Reads one alarm's row again (its lock held): a write the compare-and-set refused. */
  refresh(id: string): Promise<void>;
  /** What the annotators add to a change's notification; never throws. */
  annotate(e: AlarmEntry, change: AnnotatedChange): Promise<AlarmAnnotation[]>;
}

export class AlarmRunner {
  private readonly registry: AlarmRegistry;

  constructor(private readonly d: AlarmRunnerDeps) {
    this.registry = d.registry;
  }

  /** Sets a state by hand; false when another node changed the alarm's state first (it was read again). */
  setByHand(e: AlarmEntry, state: AlarmState, reason: string): Promise<boolean> {
    return this.transition(e, state, reason, [], this.d.clock.now(), null);
  }

  /** The next evaluation of a new or changed alarm: the next step boundary. */
  scheduleNext(e: AlarmEntry): void {
    const step = this.step(e.spec);
    this.d.scheduler.schedule(EVAL_JOB, e.id, Math.floor(this.d.clock.now() / step) * step + step);
  }

  /** Evaluates at the latest step boundary and returns the next one; the caller holds the alarm's lock. */
  async evaluateLocked(id: string): Promise<number | null> {
    const e = this.registry.byId(id);
    if (!e) return null;
    const step = this.step(e.spec);
    const at = Math.floor(this.d.clock.now() / step) * step;
    // Not this node's (its lease lapsed or moved): the next due time, which the scheduler parks.
    const token = this.d.fence.token(EVAL_JOB, id);
    if (token === null) return at + step;
    if (isComposite(e.spec)) {
      await this.compositeLocked(e, e.spec, this.d.clock.now(), token);
      return at + step;
    }
    const s = e.spec;
    const range = await this.d.periods(
      { namespace: s.namespace, name: s.metricName, dimensions: s.dimensions },
      s.statistic,
      s.period,
      at,
      evaluationRangeSize(s.evaluationPeriods),
    );
    const result = evaluate(
      {
        evaluationPeriods: s.evaluationPeriods,
        datapointsToAlarm: s.datapointsToAlarm ?? s.evaluationPeriods,
        threshold: s.threshold,
        comparisonOperator: s.comparisonOperator,
        treatMissingData: s.treatMissingData,
      },
      range,
      e.state,
    );
    if (result.state === e.state) e.evaluatedAt = at;
    else await this.transition(e, result.state, result.reason, result.used, at, token);
    return at + step;
  }

  private step(spec: AlarmSpec): number {
    return isComposite(spec) || spec.period < 60_000 ? 10_000 : 60_000;
  }

  private async compositeLocked(e: AlarmEntry, spec: CompositeAlarmSpec, now: number, token: LeaseToken) {
    const { state, reason } = compositeState(spec, (n) => this.registry.named(n)?.state);
    if (state !== e.state) {
      await this.transition(e, state, reason, [], now, token);
      return;
    }
    e.evaluatedAt = now;
    const pending = e.pendingActions;
    if (pending && pending.at <= now && pending.state === e.state)
      await this.runActions(e, pending.state, pending.reason, now, token);
  }

  /** Composites whose rule names this alarm look again at once when it changes (those this node evaluates). */
  async childChanged(name: string, now: number): Promise<void> {
    // Only the composites that really name it: locks are taken along references, which form no cycle.
    for (const c of this.registry.referrersOf(name)) {
      const spec = c.spec;
      if (!isComposite(spec)) continue;
      await this.registry.serialized(c.id, async () => {
        const token = this.d.fence.token(EVAL_JOB, c.id);
        if (token !== null && this.registry.byId(c.id) === c) await this.compositeLocked(c, spec, now, token);
      });
    }
  }

  private guard(e: AlarmEntry, token: LeaseToken | null): TransitionGuard {
    return {
      fence: this.d.fence,
      changes: this.d.changes,
      token,
      from: { state: e.state, stateChangedAt: e.stateChangedAt },
    };
  }

  /** A write the fence or the compare-and-set refused: counted, or the alarm read again; false for other errors. */
  private async refused(e: AlarmEntry, err: unknown): Promise<boolean> {
    if (err instanceof FencedWrite) {
      this.d.fence.refused('alarms', 1);
      this.d.logger.warn('alarm change not written: its partition moved to another node', { alarm: e.spec.name });
      return true;
    }
    if (!(err instanceof StaleAlarmState)) return false;
    this.d.logger.info('alarm changed on another node first; read again', { alarm: e.spec.name });
    await this.d.refresh(e.id);
    return true;
  }

  /** Writes a change of state and runs what follows; false when it was refused (see `refused`). */
  private async transition(
    e: AlarmEntry,
    next: AlarmState,
    reason: string,
    used: PeriodValue[],
    at: number,
    token: LeaseToken | null,
  ): Promise<boolean> {
    const old = e.state;
    // An ALARM and the OK that ends it share a dedup key, so PagerDuty resolves what it opened.
    const incidentSince = next === 'ALARM' ? at : old === 'ALARM' ? e.stateChangedAt : at;
    const datapoints = used.map((p) => ({ time: new Date(p.start).toISOString(), value: p.value }));
    let decision: ReturnType<typeof actionDecision> = { run: true };
    if (isComposite(e.spec) && e.spec.actionsSuppressor)
      decision = actionDecision(e.spec, this.registry.named(e.spec.actionsSuppressor), at, at);
    const actions = decision.run ? actionsFor(e.spec, next) : [];
    const event = alarmEvent(e, { old, next, reason, datapoints, at, incidentSince });
    for (const a of await this.d.annotate(e, { old, next, reason, at, used })) {
      if (a.attributes) event.attributes = { ...event.attributes, ...a.attributes };
      if (a.text) event.text = `${event.text ?? ''}\n\n${a.text}`;
    }
    const suppressed = !decision.run && 'suppressed' in decision ? decision.suppressed : undefined;
    // A change by hand leaves the time of the last evaluation as it was.
    const evaluatedAt = token === null ? e.evaluatedAt : at;
    const write = { old, next, reason, datapoints, at, evaluatedAt, event, actions, suppressed };
    try {
      await writeTransition(this.d.db, this.d.sinks, e, write, this.guard(e, token));
    } catch (err) {
      if (await this.refused(e, err)) return false;
      throw err;
    }
    if (actions.length) this.d.publisher.notifyQueued();
    if (old === 'ALARM' && next !== 'ALARM') e.leftAlarmAt = at;
    e.state = next;
    e.reason = reason;
    e.stateChangedAt = at;
    e.evaluatedAt = evaluatedAt;
    e.pendingActions =
      !decision.run && 'waitUntil' in decision ? { at: decision.waitUntil, state: next, reason } : undefined;
    if (e.pendingActions) this.d.scheduler.schedule(EVAL_JOB, e.id, e.pendingActions.at);
    await this.childChanged(e.spec.name, at);
    return true;
  }

  /** Runs the actions of the current state later (a composite whose wait period has passed without its suppressor). */
  private async runActions(e: AlarmEntry, state: AlarmState, reason: string, at: number, token: LeaseToken) {
    const actions = actionsFor(e.spec, state);
    const since = e.stateChangedAt;
    if (actions.length) {
      const event = alarmEvent(e, { old: state, next: state, reason, datapoints: [], at, incidentSince: since });
      try {
        await writeDelayedActions(this.d.db, this.d.sinks, e, { event, actions, state, at }, this.guard(e, token));
      } catch (err) {
        if (await this.refused(e, err)) return;
        throw err;
      }
      this.d.publisher.notifyQueued();
    }
    e.pendingActions = undefined;
  }
}
