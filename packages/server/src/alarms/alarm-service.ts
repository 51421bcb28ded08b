/**
 * Metric alarms. States OK, ALARM, INSUFFICIENT_DATA (a new alarm starts
 * there). Each alarm is evaluated every minute (every 10 s when its period
 * is under a minute) on the periods ending at that moment; a change of
 * state is written with its history and its actions — an `alarm.state`
 * event to each action topic — in one transaction. Actions run only on
 * transitions, and only while actionsEnabled. `setState` sets a state by
 * hand until the next evaluation (actions run as for any transition).
 */
import type { Kysely } from 'kysely';
import { alarmInputSchema, compositeAlarmInputSchema, isComposite, type AlarmSpec, type CompositeAlarmSpec, type EventInput, type MetricAlarmSpec } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { evaluate, evaluationRangeSize, type AlarmState, type PeriodValue } from './alarm-evaluator.js';
import { actionDecision, compositeIssues, compositeState } from './alarm-composite.js';
import * as store from './alarm-store.js';

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
export type PeriodSource = (key: { namespace: string; name: string; dimensions: Record<string, string> }, statistic: string, periodMs: number, end: number, n: number) => Promise<PeriodValue[]>;

const severity: Record<AlarmState, EventInput['severity']> = { ALARM: 'critical', OK: 'ok', INSUFFICIENT_DATA: 'warning' };

function seriesKey(namespace: string, name: string, dimensions: Record<string, string>): string {
  return `${namespace}\u0000${name}\u0000${Object.keys(dimensions).sort().map((k) => `${k}=${dimensions[k]}`).join('\u0000')}`;
}

function topicsOf(actions: AlarmSpec['alarmActions']): string[] {
  return actions.map((a) => (typeof a === 'string' ? a.slice('topic:'.length) : a.topic));
}

export class AlarmService {
  private alarms = new Map<string, AlarmEntry>();
  private byId = new Map<string, AlarmEntry>();
  private watched = new Set<string>();
  /** One evaluation or change at a time per alarm: composites are looked at by their children too. */
  private locks = new Map<string, Promise<unknown>>();

  private serialized<T>(id: string, run: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(run, run);
    this.locks.set(id, next.catch(() => {}));
    return next;
  }

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly publisher: PublishService,
    private readonly periods: PeriodSource,
  ) {}

  async load(): Promise<void> {
    for (const r of await store.listAlarms(this.db)) {
      const e: AlarmEntry = { id: r.id, spec: JSON.parse(r.spec), state: r.state as AlarmState, reason: r.reason, stateChangedAt: r.state_changed_at, evaluatedAt: r.evaluated_at };
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

  /** A composite's rule and suppressor must name alarms that exist (or are declared beside it). */
  checkComposite(spec: AlarmSpec, prefix = '', declared: readonly string[] = []): void {
    if (!isComposite(spec)) return;
    const issues = compositeIssues(spec, (n) => this.alarms.has(n) || declared.includes(n), prefix);
    if (issues.length) throw invalid(issues);
  }

  list(): AlarmEntry[] {
    return [...this.alarms.values()].sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  }

  get(name: string): AlarmEntry {
    const e = this.alarms.get(name);
    if (!e) throw notFound('alarm', name);
    return e;
  }

  /** Whether some alarm watches this series, so producers can skip the rest (a set lookup: it runs on every check). */
  watches(namespace: string, name: string, dimensions: Record<string, string>): boolean {
    return this.watched.has(seriesKey(namespace, name, dimensions));
  }

  private rewatch(): void {
    this.watched = new Set([...this.alarms.values()].filter((a) => !isComposite(a.spec)).map((a) => seriesKey((a.spec as MetricAlarmSpec).namespace, (a.spec as MetricAlarmSpec).metricName, (a.spec as MetricAlarmSpec).dimensions)));
  }

  async create(spec: AlarmSpec, q?: Kysely<Database>): Promise<AlarmEntry> {
    if (this.alarms.has(spec.name)) throw new TocsinError('conflict', `alarm '${spec.name}' already exists`);
    this.checkComposite(spec);
    const now = this.clock.now();
    const e: AlarmEntry = { id: uuidv7(now), spec, state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', stateChangedAt: now, evaluatedAt: null };
    await store.insertAlarm(q ?? this.db, { id: e.id, name: spec.name, spec: JSON.stringify(spec), state: e.state, reason: e.reason, state_changed_at: now, evaluated_at: null, created_at: now, updated_at: now });
    this.alarms.set(spec.name, e);
    this.byId.set(e.id, e);
    if (!isComposite(spec)) this.watched.add(seriesKey(spec.namespace, spec.metricName, spec.dimensions));
    this.scheduleNext(e);
    return e;
  }

  async replace(name: string, spec: AlarmSpec, q?: Kysely<Database>): Promise<AlarmEntry> {
    const e = this.get(name);
    if (spec.name !== name) throw invalid([{ path: 'name', message: `does not match the alarm in the URL ('${name}')` }]);
    this.checkComposite(spec);
    await store.updateAlarmSpec(q ?? this.db, e.id, JSON.stringify(spec), this.clock.now());
    e.spec = spec;
    this.rewatch();
    this.scheduleNext(e);
    return e;
  }

  async remove(name: string, q?: Kysely<Database>): Promise<void> {
    const e = this.get(name);
    await store.deleteAlarm(q ?? this.db, e.id);
    this.alarms.delete(name);
    this.byId.delete(e.id);
    this.rewatch();
    this.scheduler.cancel(EVAL_JOB, e.id);
  }

  async history(name: string, limit = 100) {
    const e = this.get(name);
    return (await store.listHistory(this.db, e.id, limit)).map((h) => ({ at: new Date(h.at).toISOString(), kind: h.kind, oldState: h.old_state, newState: h.new_state, summary: h.summary, data: JSON.parse(h.data) }));
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
    const range = await this.periods({ namespace: s.namespace, name: s.metricName, dimensions: s.dimensions }, s.statistic, s.period, at, evaluationRangeSize(s.evaluationPeriods));
    const result = evaluate(
      { evaluationPeriods: s.evaluationPeriods, datapointsToAlarm: s.datapointsToAlarm ?? s.evaluationPeriods, threshold: s.threshold, comparisonOperator: s.comparisonOperator, treatMissingData: s.treatMissingData },
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
    for (const c of this.alarms.values()) {
      const spec = c.spec;
      if (isComposite(spec) && (spec.rule.includes(name) || spec.actionsSuppressor === name)) await this.serialized(c.id, () => this.compositeLocked(c, spec, now));
    }
  }

  private scheduleNext(e: AlarmEntry): void {
    const step = this.step(e.spec);
    this.scheduler.schedule(EVAL_JOB, e.id, Math.floor(this.clock.now() / step) * step + step);
  }

  private async transition(e: AlarmEntry, next: AlarmState, reason: string, used: PeriodValue[], at: number): Promise<void> {
    const old = e.state;
    // An ALARM and the OK that ends it share a dedup key, so PagerDuty resolves what it opened.
    const incidentSince = next === 'ALARM' ? at : old === 'ALARM' ? e.stateChangedAt : at;
    const datapoints = used.map((p) => ({ time: new Date(p.start).toISOString(), value: p.value }));
    let decision: ReturnType<typeof actionDecision> = { run: true };
    if (isComposite(e.spec) && e.spec.actionsSuppressor) decision = actionDecision(e.spec, this.alarms.get(e.spec.actionsSuppressor), at, at);
    const actions = decision.run ? this.actionTopics(e.spec, next) : [];
    await this.db.transaction().execute(async (trx) => {
      await store.saveAlarmState(trx, e.id, { state: next, reason, stateChangedAt: at, evaluatedAt: at });
      const history: store.HistoryRow[] = [{ id: uuidv7(at), alarm_id: e.id, at, kind: 'state', old_state: old, new_state: next, summary: `Alarm updated from ${old} to ${next}`, data: JSON.stringify({ reason, datapoints }) }];
      if (!decision.run && 'suppressed' in decision) history.push({ id: uuidv7(at), alarm_id: e.id, at, kind: 'action', old_state: old, new_state: next, summary: `Actions ${decision.suppressed}`, data: '{}' });
      if (actions.length) {
        await this.publisher.publishIn(trx, actions, this.event(e, old, next, reason, datapoints, at, incidentSince));
        history.push({ id: uuidv7(at), alarm_id: e.id, at, kind: 'action', old_state: old, new_state: next, summary: `Published to ${actions.join(', ')}`, data: JSON.stringify({ topics: actions }) });
      }
      await store.insertHistory(trx, history);
    });
    if (actions.length) this.publisher.notifyQueued();
    if (old === 'ALARM' && next !== 'ALARM') e.leftAlarmAt = at;
    e.state = next;
    e.reason = reason;
    e.stateChangedAt = at;
    e.pendingActions = !decision.run && 'waitUntil' in decision ? { at: decision.waitUntil, state: next, reason } : undefined;
    if (e.pendingActions) this.scheduler.schedule(EVAL_JOB, e.id, e.pendingActions.at);
    await this.childChanged(e.spec.name, at);
  }

  /** Runs the actions of the current state later (a composite whose wait period has passed without its suppressor). */
  private async runActions(e: AlarmEntry, state: AlarmState, reason: string, at: number, since: number): Promise<void> {
    const actions = this.actionTopics(e.spec, state);
    if (!actions.length) return;
    await this.db.transaction().execute(async (trx) => {
      await this.publisher.publishIn(trx, actions, this.event(e, state, state, reason, [], at, since));
      await store.insertHistory(trx, [{ id: uuidv7(at), alarm_id: e.id, at, kind: 'action', old_state: state, new_state: state, summary: `Published to ${actions.join(', ')} after the wait period`, data: JSON.stringify({ topics: actions }) }]);
    });
    this.publisher.notifyQueued();
  }

  private actionTopics(spec: AlarmSpec, state: AlarmState): string[] {
    if (!spec.actionsEnabled) return [];
    return topicsOf(state === 'ALARM' ? spec.alarmActions : state === 'OK' ? spec.okActions : spec.insufficientDataActions);
  }

  private event(e: AlarmEntry, old: AlarmState, next: AlarmState, reason: string, datapoints: { time: string; value: number | null }[], at: number, incidentSince: number): EventInput {
    const s = e.spec;
    const attributes: Record<string, unknown> = { alarm: s.name, oldState: old, newState: next, reason, datapoints };
    if (isComposite(s)) attributes.rule = s.rule;
    else Object.assign(attributes, { threshold: s.threshold, comparisonOperator: s.comparisonOperator, metric: `${s.namespace}/${s.metricName}`, dimensions: s.dimensions });
    return {
      kind: 'alarm.state',
      severity: severity[next],
      source: { type: 'alarm', name: s.name, tags: {} },
      title: `${next}: ${s.name}`,
      text: reason,
      attributes,
      dedupKey: `alarm/${e.id}/${incidentSince}`,
      time: at,
    };
  }
}
