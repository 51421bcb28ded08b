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
import { alarmInputSchema, type AlarmSpec, type EventInput } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { PublishService } from '../notify/publish-service.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { evaluate, evaluationRangeSize, type AlarmState, type PeriodValue } from './alarm-evaluator.js';
import * as store from './alarm-store.js';

export const EVAL_JOB = 'alarm-evaluation';

export interface AlarmEntry {
  id: string;
  spec: AlarmSpec;
  state: AlarmState;
  reason: string;
  stateChangedAt: number;
  evaluatedAt: number | null;
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

  parse(input: unknown, prefix = ''): AlarmSpec {
    const parsed = alarmInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    return parsed.data;
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
    this.watched = new Set([...this.alarms.values()].map((a) => seriesKey(a.spec.namespace, a.spec.metricName, a.spec.dimensions)));
  }

  async create(spec: AlarmSpec, q?: Kysely<Database>): Promise<AlarmEntry> {
    if (this.alarms.has(spec.name)) throw new TocsinError('conflict', `alarm '${spec.name}' already exists`);
    const now = this.clock.now();
    const e: AlarmEntry = { id: uuidv7(now), spec, state: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', stateChangedAt: now, evaluatedAt: null };
    await store.insertAlarm(q ?? this.db, { id: e.id, name: spec.name, spec: JSON.stringify(spec), state: e.state, reason: e.reason, state_changed_at: now, evaluated_at: null, created_at: now, updated_at: now });
    this.alarms.set(spec.name, e);
    this.byId.set(e.id, e);
    this.watched.add(seriesKey(spec.namespace, spec.metricName, spec.dimensions));
    this.scheduleNext(e);
    return e;
  }

  async replace(name: string, spec: AlarmSpec, q?: Kysely<Database>): Promise<AlarmEntry> {
    const e = this.get(name);
    if (spec.name !== name) throw invalid([{ path: 'name', message: `does not match the alarm in the URL ('${name}')` }]);
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
    await this.transition(e, state, `Set by hand: ${reason}`, [], this.clock.now());
    return e;
  }

  /** The scheduler's handler: evaluates at the latest step boundary and returns the next one. */
  async evaluateNow(id: string): Promise<number | null> {
    const e = this.byId.get(id);
    if (!e) return null;
    const step = this.step(e.spec);
    const at = Math.floor(this.clock.now() / step) * step;
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
    return spec.period < 60_000 ? 10_000 : 60_000;
  }

  private scheduleNext(e: AlarmEntry): void {
    const step = this.step(e.spec);
    this.scheduler.schedule(EVAL_JOB, e.id, Math.floor(this.clock.now() / step) * step + step);
  }

  private async transition(e: AlarmEntry, next: AlarmState, reason: string, used: PeriodValue[], at: number): Promise<void> {
    const old = e.state;
    const s = e.spec;
    const actions = !s.actionsEnabled ? [] : topicsOf(next === 'ALARM' ? s.alarmActions : next === 'OK' ? s.okActions : s.insufficientDataActions);
    const datapoints = used.map((p) => ({ time: new Date(p.start).toISOString(), value: p.value }));
    // An ALARM and the OK that ends it share a dedup key, so PagerDuty resolves what it opened.
    const incidentSince = next === 'ALARM' ? at : old === 'ALARM' ? e.stateChangedAt : at;
    const event: EventInput = {
      kind: 'alarm.state',
      severity: severity[next],
      source: { type: 'alarm', name: s.name, tags: {} },
      title: `${next}: ${s.name}`,
      text: reason,
      attributes: { alarm: s.name, oldState: old, newState: next, reason, datapoints, threshold: s.threshold, comparisonOperator: s.comparisonOperator, metric: `${s.namespace}/${s.metricName}`, dimensions: s.dimensions },
      dedupKey: `alarm/${e.id}/${incidentSince}`,
      time: at,
    };
    await this.db.transaction().execute(async (trx) => {
      await store.saveAlarmState(trx, e.id, { state: next, reason, stateChangedAt: at, evaluatedAt: at });
      const history: store.HistoryRow[] = [{ id: uuidv7(at), alarm_id: e.id, at, kind: 'state', old_state: old, new_state: next, summary: `Alarm updated from ${old} to ${next}`, data: JSON.stringify({ reason, datapoints }) }];
      if (actions.length) {
        await this.publisher.publishIn(trx, actions, event);
        history.push({ id: uuidv7(at), alarm_id: e.id, at, kind: 'action', old_state: old, new_state: next, summary: `Published to ${actions.join(', ')}`, data: JSON.stringify({ topics: actions }) });
      }
      await store.insertHistory(trx, history);
    });
    if (actions.length) this.publisher.notifyQueued();
    e.state = next;
    e.reason = reason;
    e.stateChangedAt = at;
  }
}
