/**
 * Metric alarms. States OK, ALARM, INSUFFICIENT_DATA (a new alarm starts
 * there). Each alarm is evaluated every minute (every 10 s when its period
 * is under a minute) on the periods ending at that moment; a change of
 * state is written with its history and its actions — an `alarm.state`
 * event to each action topic, or to each action webhook through the outbox
 * (alarm-actions.ts) — in one transaction. Actions run only on transitions,
 * and only while actionsEnabled. `setState` sets a state by hand until the
 * next evaluation (actions run as for any transition).
 *
 * In a cluster (PostgreSQL) every node holds every alarm; only the node
 * owning an alarm's key evaluates it, through the fence, and every write of
 * a state is a compare-and-set on its row (alarm-transition-writer.ts);
 * changes reach the other nodes as notices (alarm-sync.ts).
 */
import type { Kysely } from 'kysely';
import {
  alarmInputSchema,
  compositeAlarmInputSchema,
  isComposite,
  type AlarmSpec,
  type FieldIssue,
} from '@tocsin/protocol';
import { localChangeBus, type ChangeBus } from '../cluster/change-bus.js';
import { singleNodeFence, type Fence } from '../cluster/fence.js';
import type { Clock } from '../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { rejectRedacted } from '../core/redacted-values.js';
import type { Database } from '../db/db-schema.js';
import type { DestinationService } from '../notify/destination-service.js';
import type { PublishService } from '../notify/publish-service.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { AlarmState } from './alarm-evaluator.js';
import { destinationLabel, destinationOwner, webhookTargets, withStoredSecrets } from './alarm-actions.js';
import { compositeIssues, cycleIssue } from './alarm-composite.js';
import { AlarmRegistry, entryOf, type AlarmEntry, type WatchRegistry } from './alarm-registry.js';
import * as store from './alarm-store.js';
import type { LiveChange } from '../live/live-hub.js';
import type { StartRun } from './alarm-actions.js';
import { AlarmSync } from './alarm-sync.js';
import {
  AlarmRunner,
  EVAL_JOB,
  type AlarmAnnotation,
  type AnnotatedChange,
  type PeriodSource,
} from './alarm-runner.js';
import { ALARMS_TOPIC } from './alarm-transition-writer.js';

export type { AlarmEntry, WatchRegistry } from './alarm-registry.js';
export { EVAL_JOB, type AlarmAnnotation, type AnnotatedChange, type PeriodSource } from './alarm-runner.js';

/**
 * A provider that manages some alarms (a log rule's alarm): it makes, changes and deletes them through the
 * service with itself as `by`; the API and config apply are refused (409 naming the owner), and export skips them.
 */
export interface AlarmManager {
  /** Who owns an alarm of this name, in words (`log rule 'api-errors'`); undefined when it is not one of its. */
  ownerOf(name: string): string | undefined;
}

/** Adds context to the notification of a change of state of any alarm (it decides which concern it). */
export type AlarmAnnotator = (
  alarm: AlarmEntry,
  change: AnnotatedChange,
) => AlarmAnnotation | undefined | Promise<AlarmAnnotation | undefined>;

/** A series computed from others when an alarm reads it (a share of two counts); `base` reads stored ones. */
export type DerivedSeries = (base: PeriodSource, ...args: Parameters<PeriodSource>) => ReturnType<PeriodSource>;

/** What an alarm service works with; the cluster's seams default to one node's. */
export interface AlarmServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  scheduler: Scheduler;
  publisher: PublishService;
  destinations: DestinationService;
  periods: PeriodSource;
  /** Told the series alarms watch, each time the set changes (the metric sink, so producers skip the rest). */
  watchRegistry?: WatchRegistry;
  /** What evaluations write through (cluster.ts); one node holds everything. */
  fence?: Fence;
  /** Where changes are announced to the other nodes. */
  changes?: ChangeBus;
  logger?: Logger;
  /** Told each change of state once it has committed (the live stream). */
  live?: (change: LiveChange) => void;
  /** Starts the runs of runCommand actions (the fleet's command service; absent, they are skipped). */
  startRun?: StartRun;
}

export class AlarmService {
  private readonly db: Kysely<Database>;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly changes: ChangeBus;
  private readonly destinations: DestinationService;
  private readonly registry: AlarmRegistry;
  private readonly runner: AlarmRunner;
  private readonly live: (change: LiveChange) => void;
  /** Reads alarms again when other nodes changed them (the change bus, partitions taken over). */
  readonly sync: AlarmSync;
  private readonly managers: AlarmManager[] = [];
  private readonly annotators: AlarmAnnotator[] = [];
  private readonly derived = new Map<string, DerivedSeries>();
  private readonly logger: Logger;

  constructor(deps: AlarmServiceDeps) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.scheduler = deps.scheduler;
    this.changes = deps.changes ?? localChangeBus;
    this.destinations = deps.destinations;
    this.live = deps.live ?? (() => {});
    this.registry = new AlarmRegistry(deps.watchRegistry);
    this.logger = deps.logger ?? silentLogger;
    const base = deps.periods;
    this.runner = new AlarmRunner({
      ...deps,
      periods: (key, ...rest) => {
        const derived = this.derived.get(`${key.namespace.length}:${key.namespace}${key.name}`);
        return derived ? derived(base, key, ...rest) : base(key, ...rest);
      },
      annotate: (e, change) => this.annotate(e, change),
      sinks: {
        publisher: deps.publisher,
        destinations: deps.destinations,
        live: deps.live,
        startRun: deps.startRun,
        warn: (msg, data) => (deps.logger ?? silentLogger).warn(msg, data),
      },
      fence: deps.fence ?? singleNodeFence,
      changes: this.changes,
      logger: deps.logger ?? silentLogger,
      registry: this.registry,
      refresh: (id) => this.sync.refreshLocked(id),
    });
    this.sync = new AlarmSync(this.db, this.registry, EVAL_JOB, {
      schedule: (e) => this.runner.scheduleNext(e),
      cancel: (id) => this.scheduler.cancel(EVAL_JOB, id),
      stateChanged: (e) => this.runner.childChanged(e.spec.name, this.clock.now()),
    });
  }

  /** Registers a provider of managed alarms (before the API serves). */
  addManager(manager: AlarmManager): void {
    this.managers.push(manager);
  }

  /** Who manages an alarm of this name, in words; undefined for a user's alarm. */
  ownerOf(name: string): string | undefined {
    for (const m of this.managers) {
      const owner = m.ownerOf(name);
      if (owner !== undefined) return owner;
    }
    return undefined;
  }

  /** Registers what adds context to the notifications of changes of state. */
  addAnnotator(annotator: AlarmAnnotator): void {
    this.annotators.push(annotator);
  }

  /** Makes alarms on `namespace`/`name` read the series `derive` computes instead of a stored one. */
  addDerivedSeries(namespace: string, name: string, derive: DerivedSeries): void {
    this.derived.set(`${namespace.length}:${namespace}${name}`, derive);
  }

  private async annotate(e: AlarmEntry, change: AnnotatedChange): Promise<AlarmAnnotation[]> {
    const out: AlarmAnnotation[] = [];
    for (const annotate of this.annotators) {
      try {
        const a = await annotate(e, change);
        if (a) out.push(a);
      } catch (err) {
        // The change of state matters more than its context: it is written without it.
        this.logger.warn('an alarm annotation failed', { alarm: e.spec.name, err });
      }
    }
    return out;
  }

  /** A managed alarm changed by someone else than its manager: 409 naming the owner. */
  private checkManager(name: string, by: AlarmManager | undefined): void {
    const owner = this.ownerOf(name);
    if (owner !== undefined && (by === undefined || by.ownerOf(name) === undefined))
      throw new TocsinError('conflict', `alarm '${name}' is managed by ${owner}; change that instead`, { owner });
  }

  async load(): Promise<void> {
    for (const r of await store.listAlarms(this.db)) {
      const e = entryOf(r);
      this.registry.add(e);
      this.runner.scheduleNext(e);
    }
  }

  /** The scheduler's handler: evaluates at the latest step boundary and returns the next one. */
  evaluateNow(id: string): Promise<number | null> {
    return this.registry.serialized(id, () => this.runner.evaluateLocked(id));
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
    const issues = compositeIssues(spec, (n) => this.registry.named(n) !== undefined || wanted.has(n), prefix);
    const cycle = cycleIssue(spec, (n) => wanted.get(n) ?? this.registry.named(n)?.spec, prefix);
    return cycle ? [...issues, cycle] : issues;
  }

  /** Tells the live stream of an edit, unless it is part of a caller's transaction (a config apply: one resync). */
  private edited(q: Kysely<Database> | undefined, name: string, state: 'created' | 'updated' | 'deleted'): void {
    if (q === undefined) this.live({ type: 'alarm', name, state, at: this.clock.now() });
  }

  private checkReferences(spec: AlarmSpec): void {
    const issues = this.referenceIssues(spec);
    if (issues.length) throw invalid(issues);
  }

  private inTransaction<T>(q: Kysely<Database> | undefined, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return q ? run(q) : this.db.transaction().execute(run);
  }

  list(): AlarmEntry[] {
    return [...this.registry.all()].sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  }

  get(name: string): AlarmEntry {
    const e = this.registry.named(name);
    if (!e) throw notFound('alarm', name);
    return e;
  }

  /** Creates an alarm; `by`: the manager making one of its own. */
  async create(spec: AlarmSpec, q?: Kysely<Database>, by?: AlarmManager): Promise<AlarmEntry> {
    this.checkManager(spec.name, by);
    if (this.registry.named(spec.name)) throw new TocsinError('conflict', `alarm '${spec.name}' already exists`);
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
      await this.destinations.sync(trx, destinationOwner(e.id), destinationLabel(spec.name), webhookTargets(spec));
      await this.changes.publish(trx, ALARMS_TOPIC, [e.id]);
    });
    this.registry.add(e);
    this.runner.scheduleNext(e);
    this.edited(q, spec.name, 'created');
    return e;
  }

  /** Replaces an alarm's settings; webhook secrets given as `<redacted>` keep their stored values. */
  async replace(name: string, given: AlarmSpec, q?: Kysely<Database>, by?: AlarmManager): Promise<AlarmEntry> {
    this.checkManager(name, by);
    const e = this.get(name);
    if (given.name !== name)
      throw invalid([{ path: 'name', message: `does not match the alarm in the URL ('${name}')` }]);
    const spec = withStoredSecrets(e.spec, given);
    this.checkReferences(spec);
    rejectRedacted(spec);
    await this.inTransaction(q, async (trx) => {
      await store.updateAlarmSpec(trx, e.id, JSON.stringify(spec), this.clock.now());
      await this.destinations.sync(trx, destinationOwner(e.id), destinationLabel(name), webhookTargets(spec));
      await this.changes.publish(trx, ALARMS_TOPIC, [e.id]);
    });
    this.registry.respec(e, spec);
    this.runner.scheduleNext(e);
    this.edited(q, name, 'updated');
    return e;
  }

  /** Composite alarms other than `name` whose rule or actions suppressor names it. */
  referrersOf(name: string): string[] {
    return this.registry
      .referrersOf(name)
      .map((o) => o.spec.name)
      .filter((n) => n !== name)
      .sort();
  }

  /** Deletes an alarm; one that a composite alarm still names is refused (409), so no rule is left naming nothing. */
  async remove(name: string, q?: Kysely<Database>, by?: AlarmManager): Promise<void> {
    this.checkManager(name, by);
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
      await this.destinations.sync(trx, destinationOwner(e.id), destinationLabel(name), []);
      await this.changes.publish(trx, ALARMS_TOPIC, [e.id]);
    });
    this.registry.remove(e.id);
    this.scheduler.cancel(EVAL_JOB, e.id);
    this.edited(q, name, 'deleted');
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

  /**
   * Sets a state by hand (for testing actions); the next evaluation decides again. Any node may serve it: when
   * another node changed the alarm's state first, the row is read again and the change tried from there.
   */
  async setState(name: string, state: AlarmState, reason: string): Promise<AlarmEntry> {
    const e = this.get(name);
    await this.registry.serialized(e.id, async () => {
      for (let attempt = 1; ; attempt++) {
        if (await this.runner.setByHand(e, state, `Set by hand: ${reason}`)) return;
        if (this.registry.byId(e.id) !== e) throw notFound('alarm', name);
        if (attempt === 3)
          throw new TocsinError('conflict', `alarm '${name}' keeps changing on another node; try again`);
      }
    });
    return e;
  }
}
