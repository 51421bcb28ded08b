/**
 * Metric alarms. States OK, ALARM, INSUFFICIENT_DATA (a new alarm starts
 * there). Each alarm is evaluated every minute (every 10 s when its period
 * is under a minute) on the periods ending at that moment; a change of
 * state is written with its history and its actions — an `alarm.state`
 * event to each action topic, or to each action webhook through the outbox
 * (alarm-actions.ts) — in one transaction. Actions run only on transitions,
 * and only while actionsEnabled. `setState` sets a state by hand until the
 * next evaluation (actions run as for any transition).
 */
import type { Kysely } from 'kysely';
import {
  alarmInputSchema,
  compositeAlarmInputSchema,
  isComposite,
  type AlarmSpec,
  type CompositeAlarmSpec,
  type FieldIssue,
} from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { rejectRedacted } from '../core/redacted-values.js';
import type { Database } from '../db/db-schema.js';
import type { DestinationService } from '../notify/destination-service.js';
import type { PublishService } from '../notify/publish-service.js';
import { seriesKeyOf } from '../metrics/series-key.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { evaluate, evaluationRangeSize, type AlarmState, type PeriodValue } from './alarm-evaluator.js';
import {
  actionsFor,
  alarmEvent,
  destinationLabel,
  destinationOwner,
  webhookTargets,
  withStoredSecrets,
  type ActionSinks,
} from './alarm-actions.js';
import { actionDecision, compositeIssues, compositeState, cycleIssue } from './alarm-composite.js';
import { AlarmReferrers } from './alarm-referrers.js';
import * as store from './alarm-store.js';
import { writeDelayedActions, writeTransition } from './alarm-transition-writer.js';

export const EVAL_JOB = 'alarm-evaluation';

export interface AlarmEntry {
  id: string;
  spec: AlarmSpec;
  state: AlarmState;
  reason: string;
  stateChangedAt: number;
  evaluatedAt: number | null;
  /** When it last left ALARM, for composites it suppresses. */
  leftAlarmAt?: number;
  /** A composite's actions waiting for its suppressor's wait period. */
  pendingActions?: { at: number; state: AlarmState; reason: string };
}

/** Where datapoints come from; the metrics domain provides it. */
export type PeriodSource = (
  key: { namespace: string; name: string; dimensions: Record<string, string> },
  statistic: string,
  periodMs: number,
  end: number,
  n: number,
) => Promise<PeriodValue[]>;

/** Where alarms register the series they watch (keys of `seriesKeyOf`); the metrics domain's sink. */
export interface WatchRegistry {
  watch(watcher: string, keys: ReadonlySet<string>): void;
}

export class AlarmService {
  private alarms = new Map<string, AlarmEntry>();
  private byId = new Map<string, AlarmEntry>();
  private watched = new Set<string>();
  /**
   * The composites that name each alarm (rule or suppressor): whom a change of state re-checks, and what a delete must
   * not orphan.
   */
  private referrers = new AlarmReferrers<AlarmEntry>();
  /** One evaluation or change at a time per alarm: composites are looked at by their children too. */
  private locks = new Map<string, Promise<unknown>>();
  private readonly sinks: ActionSinks;

  private serialized<T>(id: string, run: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(run, run);
    this.locks.set(
      id,
      next.catch(() => {}),
    );
    return next;
  }

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly publisher: PublishService,
    destinations: DestinationService,
    private readonly periods: PeriodSource,
    /** Told the series alarms watch, each time the set changes (the metric sink, so producers skip the rest). */
    private readonly watchRegistry?: WatchRegistry,
  ) {
    this.sinks = { publisher, destinations };
    this.watchRegistry?.watch('alarms', this.watched);
  }

  async load(): Promise<void> {
    for (const r of await store.listAlarms(this.db)) {
      const e: AlarmEntry = {
        id: r.id,
        spec: JSON.parse(r.spec),
        state: r.state as AlarmState,
        reason: r.reason,
        stateChangedAt: r.state_changed_at,
        evaluatedAt: r.evaluated_at,
      };
      this.alarms.set(e.spec.name, e);
      this.byId.set(e.id, e);
      this.scheduleNext(e);
    }
    this.rewatch();
  }

  /** Parses a metric alarm, or a composite one when it has a `rule`. */
  parse(input: unknown, prefix = ''): AlarmSpec {
    const composite = typeof input === 'object' && input !== null && 'rule' in input;
    const parsed = (composite ? compositeAlarmInputSchema : alarmInputSchema).safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    return parsed.data;
  }

  /**
   * A composite's rule and suppressor must name alarms that exist (or are
   * declared beside it, as they will be) and close no cycle; field issues.
   */
  referenceIssues(spec: AlarmSpec, prefix = '', declared: readonly AlarmSpec[] = []): FieldIssue[] {
    if (!isComposite(spec)) return [];
    const wanted = new Map(declared.map((d) => [d.name, d]));
    wanted.set(spec.name, spec);
    const issues = compositeIssues(spec, (n) => this.alarms.has(n) || wanted.has(n), prefix);
    const cycle = cycleIssue(spec, (n) => wanted.get(n) ?? this.alarms.get(n)?.spec, prefix);
    return cycle ? [...issues, cycle] : issues;
  }

  private checkReferences(spec: AlarmSpec): void {
    const issues = this.referenceIssues(spec);
    if (issues.length) throw invalid(issues);
  }

  private inTransaction<T>(q: Kysely<Database> | undefined, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return q ? run(q) : this.db.transaction().execute(run);
  }

  list(): AlarmEntry[] {
    return [...this.alarms.values()].sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  }

  get(name: string): AlarmEntry {
    const e = this.alarms.get(name);
    if (!e) throw notFound('alarm', name);
    return e;
  }

  private rewatch(): void {
    const metricKey = (spec: AlarmSpec) =>
      isComposite(spec) ? [] : [seriesKeyOf(spec.namespace, spec.metricName, spec.dimensions)];
    this.watched = new Set([...this.alarms.values()].flatMap((a) => metricKey(a.spec)));
    this.watchRegistry?.watch('alarms', this.watched);
    this.referrers.rebuild(this.alarms.values());
  }

  async create(spec: AlarmSpec, q?: Kysely<Database>): Promise<AlarmEntry> {
    if (this.alarms.has(spec.name)) throw new TocsinError('conflict', `alarm '${spec.name}' already exists`);
    this.checkReferences(spec);
    rejectRedacted(spec);
    const now = this.clock.now();
    const e: AlarmEntry = {
      id: uuidv7(now),
      spec,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      stateChangedAt: now,
      evaluatedAt: null,
    };
    await this.inTransaction(q, async (trx) => {
      await store.insertAlarm(trx, {
        id: e.id,
        name: spec.name,
        spec: JSON.stringify(spec),
        state: e.state,
        reason: e.reason,
        state_changed_at: now,
        evaluated_at: null,
        created_at: now,
        updated_at: now,
      });
      await this.sinks.destinations.sync(
        trx,
        destinationOwner(e.id),
        destinationLabel(spec.name),
        webhookTargets(spec),
      );
    });
    this.alarms.set(spec.name, e);
    this.byId.set(e.id, e);
    if (!isComposite(spec)) this.watched.add(seriesKeyOf(spec.namespace, spec.metricName, spec.dimensions));
    this.referrers.add(e);
    this.scheduleNext(e);
    return e;
  }

  /** Replaces an alarm's settings; webhook secrets given as `<redacted>` keep their stored values. */
  async replace(name: string, given: AlarmSpec, q?: Kysely<Database>): Promise<AlarmEntry> {
    const e = this.get(name);
    if (given.name !== name)
      throw invalid([{ path: 'name', message: `does not match the alarm in the URL ('${name}')` }]);
    const spec = withStoredSecrets(e.spec, given);
    this.checkReferences(spec);
    rejectRedacted(spec);
    await this.inTransaction(q, async (trx) => {
      await store.updateAlarmSpec(trx, e.id, JSON.stringify(spec), this.clock.now());
      await this.sinks.destinations.sync(trx, destinationOwner(e.id), destinationLabel(name), webhookTargets(spec));
    });
    e.spec = spec;
    this.rewatch();
    this.scheduleNext(e);
    return e;
  }

  /** Composite alarms other than `name` whose rule or actions suppressor names it. */
  referrersOf(name: string): string[] {
    return this.referrers
      .of(name)
      .map((o) => o.spec.name)
      .filter((n) => n !== name)
      .sort();
  }

  /** Deletes an alarm; one that a composite alarm still names is refused (409), so no rule is left naming nothing. */
  async remove(name: string, q?: Kysely<Database>): Promise<void> {
    const e = this.get(name);
    const referrers = this.referrersOf(name);
    if (referrers.length) {
      throw new TocsinError(
        'conflict',
        `alarm '${name}' is named by composite alarm ${referrers.map((r) => `'${r}'`).join(', ')}; ` +
          `change or delete ${referrers.length > 1 ? 'those' : 'that'} first`,
        {
          referrers,
        },
      );
    }
    await this.inTransaction(q, async (trx) => {
      await store.deleteAlarm(trx, e.id);
      await this.sinks.destinations.sync(trx, destinationOwner(e.id), destinationLabel(name), []);
    });
    this.alarms.delete(name);
    this.byId.delete(e.id);
    this.rewatch();
    this.scheduler.cancel(EVAL_JOB, e.id);
  }

  async history(name: string, limit = 100) {
    const e = this.get(name);
    return (await store.listHistory(this.db, e.id, limit)).map((h) => ({
      at: new Date(h.at).toISOString(),
      kind: h.kind,
      oldState: h.old_state,
      newState: h.new_state,
      summary: h.summary,
      data: JSON.parse(h.data),
    }));
  }

  /** Sets a state by hand (for testing actions); the next evaluation decides again. */
  async setState(name: string, state: AlarmState, reason: string): Promise<AlarmEntry> {
    const e = this.get(name);
    await this.serialized(e.id, () => this.transition(e, state, `Set by hand: ${reason}`, [], this.clock.now()));
    return e;
  }

  /** The scheduler's handler: evaluates at the latest step boundary and returns the next one. */
  async evaluateNow(id: string): Promise<number | null> {
    return this.serialized(id, () => this.evaluateLocked(id));
  }

  private async evaluateLocked(id: string): Promise<number | null> {
    const e = this.byId.get(id);
    if (!e) return null;
    const step = this.step(e.spec);
    const at = Math.floor(this.clock.now() / step) * step;
    if (isComposite(e.spec)) {
      await this.compositeLocked(e, e.spec, this.clock.now());
      return at + step;
    }
    const s = e.spec;
    const range = await this.periods(
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
    e.evaluatedAt = at;
    if (result.state !== e.state) await this.transition(e, result.state, result.reason, result.used, at);
    return at + step;
  }

  private step(spec: AlarmSpec): number {
    return isComposite(spec) || spec.period < 60_000 ? 10_000 : 60_000;
  }

  private async compositeLocked(e: AlarmEntry, spec: CompositeAlarmSpec, now: number): Promise<void> {
    const { state, reason } = compositeState(spec, (n) => this.alarms.get(n)?.state);
    e.evaluatedAt = now;
    if (state !== e.state) {
      await this.transition(e, state, reason, [], now);
      return;
    }
    const pending = e.pendingActions;
    if (pending && pending.at <= now && pending.state === e.state) {
      e.pendingActions = undefined;
      await this.runActions(e, pending.state, pending.reason, now, e.stateChangedAt);
    }
  }

  /** Composites whose rule names this alarm look again at once when it changes. */
  private async childChanged(name: string, now: number): Promise<void> {
    // Only the composites that really name it: locks are taken along references, which form no cycle.
    for (const c of this.referrers.of(name)) {
      const spec = c.spec;
      if (isComposite(spec)) await this.serialized(c.id, () => this.compositeLocked(c, spec, now));
    }
  }

  private scheduleNext(e: AlarmEntry): void {
    const step = this.step(e.spec);
    this.scheduler.schedule(EVAL_JOB, e.id, Math.floor(this.clock.now() / step) * step + step);
  }

  private async transition(
    e: AlarmEntry,
    next: AlarmState,
    reason: string,
    used: PeriodValue[],
    at: number,
  ): Promise<void> {
    const old = e.state;
    // An ALARM and the OK that ends it share a dedup key, so PagerDuty resolves what it opened.
    const incidentSince = next === 'ALARM' ? at : old === 'ALARM' ? e.stateChangedAt : at;
    const datapoints = used.map((p) => ({ time: new Date(p.start).toISOString(), value: p.value }));
    let decision: ReturnType<typeof actionDecision> = { run: true };
    if (isComposite(e.spec) && e.spec.actionsSuppressor)
      decision = actionDecision(e.spec, this.alarms.get(e.spec.actionsSuppressor), at, at);
    const actions = decision.run ? actionsFor(e.spec, next) : [];
    const event = alarmEvent(e, { old, next, reason, datapoints, at, incidentSince });
    const suppressed = !decision.run && 'suppressed' in decision ? decision.suppressed : undefined;
    await writeTransition(this.db, this.sinks, e, { old, next, reason, datapoints, at, event, actions, suppressed });
    if (actions.length) this.publisher.notifyQueued();
    if (old === 'ALARM' && next !== 'ALARM') e.leftAlarmAt = at;
    e.state = next;
    e.reason = reason;
    e.stateChangedAt = at;
    e.pendingActions =
      !decision.run && 'waitUntil' in decision ? { at: decision.waitUntil, state: next, reason } : undefined;
    if (e.pendingActions) this.scheduler.schedule(EVAL_JOB, e.id, e.pendingActions.at);
    await this.childChanged(e.spec.name, at);
  }

  /** Runs the actions of the current state later (a composite whose wait period has passed without its suppressor). */
  private async runActions(e: AlarmEntry, state: AlarmState, reason: string, at: number, since: number): Promise<void> {
    const actions = actionsFor(e.spec, state);
    if (!actions.length) return;
    const event = alarmEvent(e, { old: state, next: state, reason, datapoints: [], at, incidentSince: since });
    await writeDelayedActions(this.db, this.sinks, e, event, actions, state, at);
    this.publisher.notifyQueued();
  }
}
