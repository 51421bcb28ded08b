/**
 * Monitors: create, change, pause, delete, and the figures people read
 * (state, last check, uptime, results). Every monitor lives in memory (the
 * registry) and in the database; the scheduler holds each one's next check.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { TocsinError, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { rejectRedacted } from '../core/redacted-values.js';
import type { Database } from '../db/db-schema.js';
import type { LiveChange } from '../live/live-hub.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { parseMonitorInput, type ParsedMonitor } from './monitor-input.js';
import { keepSecrets, redactProbe } from './monitor-secrets.js';
import { deleteMonitorChanges } from './monitor-change-store.js';
import type { MonitorEntry, MonitorRegistry } from './monitor-registry.js';
import { cronScheduleOf } from './monitor-cron-schedule.js';
import { CHECK_JOB, spreadOffset } from './monitor-runner.js';
import { initialRuntime, resumeAfterCrash } from './monitor-state.js';
import * as store from './monitor-store.js';
import type { Monitor } from './monitor-types.js';
import type { ResultRecorder } from './result-recorder.js';
import type { LocationResults } from './location-results.js';
import { deleteMonitorLocations, type StoredLocation } from './location-store.js';
import { dailyRollups, deleteMonitorResults, sumRollups } from './result-store.js';

export { keepSecrets };

const DAY = 86_400_000;
/**
 * At a start, the monitors overdue for a check are spread over this long (at most their interval), longest-waiting
 * first.
 */
export const CATCH_UP_MS = 5_000;

export interface DayCount {
  checks: number;
  failures: number;
}

/** One location's latest result, as the API answers it. */
export interface LocationView {
  /** `server`, or the agent's id. */
  location: string;
  /** `server`, or the agent's host name. */
  label: string;
  status: 'up' | 'down' | 'unknown';
  latencyMs: number | null;
  message: string;
  at: string;
  /** Asked in the monitor's latest check. */
  current: boolean;
}

export interface MonitorView {
  name: string;
  type: string;
  target: Record<string, unknown>;
  state: string;
  lastCheckAt: string | null;
  lastResult: { up: boolean; reason: string; latencyMs: number | null } | null;
  stateChangedAt: string;
  nextCheckAt: string | null;
  settings: Record<string, unknown>;
}

/**
 * A monitor's new settings applied to its entry: a pause or resume changes
 * the shown state (written by the next flush, on the node owning it).
 */
export function applyDefinition(entry: MonitorEntry, monitor: Monitor, now: number): void {
  const wasPaused = entry.monitor.paused;
  entry.monitor = monitor;
  if (monitor.paused !== wasPaused) {
    const from = entry.runtime.state;
    entry.runtime = { ...entry.runtime, state: monitor.paused ? 'PAUSED' : entry.runtime.health, stateChangedAt: now };
    entry.dirty = true;
    const reason = monitor.paused ? 'paused' : 'resumed';
    const change = { monitorNum: monitor.num, at: now, from, to: entry.runtime.state, reason };
    entry.changes = [...(entry.changes ?? []), { ...change, statusCode: null, latencyMs: null }];
  }
}

/** A new or changed monitor is checked within a few seconds, spread so that applying many is no burst. */
export function scheduleAfterChange(scheduler: Scheduler, entry: MonitorEntry, now: number): void {
  const m = entry.monitor;
  if (m.paused) {
    scheduler.cancel(CHECK_JOB, m.id);
    return;
  }
  // A cron monitor that is not failing waits for its next slot's deadline (its object is not due before).
  const failing = entry.runtime.health === 'DOWN' || entry.runtime.lastUp === false;
  const slot = failing ? null : (cronScheduleOf(m.probe)?.nextDueAfter(now) ?? null);
  const at = slot ?? now + spreadOffset(m.id, Math.min(m.intervalMs, CATCH_UP_MS));
  entry.nextCheckAt = at;
  scheduler.schedule(CHECK_JOB, m.id, at);
}

/** Monitors whose definitions changed: `publish` tells the other nodes, in the transaction `q` of the change. */
export type ChangeNotice = (q: Kysely<Database>, ids: readonly string[]) => Promise<void>;

export class MonitorService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly registry: MonitorRegistry,
    private readonly scheduler: Scheduler,
    private readonly recorder: ResultRecorder,
    /** Names of the topics that exist, seen through `q` (a monitor may only name those). */
    private readonly topicNames: (q: Kysely<Database>) => Promise<Set<string>>,
    private readonly publish: ChangeNotice = async () => {},
    /** Brings the states of monitors other nodes check up to date (before a view); nothing on one node. */
    private readonly refreshOthers: () => Promise<void> = async () => {},
    /** A change committed through this service, for the live stream (not inside a caller's transaction). */
    private readonly emit: (change: LiveChange) => void = () => {},
    /** The latest result of each location of the monitors checked from several. */
    private readonly locationResults?: LocationResults,
  ) {}

  /** Tells the live stream, unless the change is part of a caller's transaction (not committed yet). */
  private changed(q: Kysely<Database> | undefined, name: string, state: string): void {
    if (q === undefined) this.emit({ type: 'monitor', name, state, at: this.clock.now() });
  }

  /** Reads, from the database, the states of the monitors that other nodes check (views show them fresh). */
  refreshUnowned(): Promise<void> {
    return this.refreshOthers();
  }

  /** Every topic a monitor names must exist; issues carry `prefix` (its place in a config file). */
  async checkTopics(
    p: ParsedMonitor,
    q: Kysely<Database>,
    prefix = '',
    declared: readonly string[] = [],
  ): Promise<void> {
    if (p.topics.length === 0) return;
    const known = await this.topicNames(q);
    for (const t of declared) known.add(t);
    const issues = p.topics.flatMap((t, i) =>
      known.has(t)
        ? []
        : [{ path: `${prefix ? `${prefix}.` : ''}topics.${i}`, message: `topic '${t}' does not exist` }],
    );
    if (issues.length) throw invalid(issues);
  }

  /**
   * Loads every monitor and schedules its next check. A monitor not yet due
   * keeps its due time (at most one interval after its last check); those
   * overdue — the server was down when they were due — are checked within
   * CATCH_UP_MS, evenly, longest-waiting first. After a crash, streak counts
   * start again (see resumeAfterCrash).
   */
  async load(): Promise<void> {
    const now = this.clock.now();
    const clean = await store.takeCleanStop(this.db);
    const overdue: MonitorEntry[] = [];
    for (const row of await store.loadAll(this.db)) {
      const entry: MonitorEntry = {
        ...row,
        runtime: clean ? row.runtime : resumeAfterCrash(row.runtime),
        dirty: false,
      };
      this.registry.set(entry);
      const m = entry.monitor;
      if (m.paused) continue;
      const last = entry.runtime.lastCheckAt;
      const cron = cronScheduleOf(m.probe);
      // A cron monitor keeps its due time (a slot already checked is not checked again); one missed is checked now.
      const due = cron
        ? Math.min(entry.nextCheckAt ?? Infinity, cron.nextDueAfter(now) ?? Infinity)
        : last === null
          ? null
          : Math.min(entry.nextCheckAt ?? Infinity, last + m.intervalMs);
      if (due !== null && due > now && Number.isFinite(due)) {
        entry.nextCheckAt = cron ? due : Math.min(due, now + m.intervalMs);
        this.scheduler.schedule(CHECK_JOB, m.id, entry.nextCheckAt);
      } else overdue.push(entry);
    }
    overdue.sort((a, b) => (a.runtime.lastCheckAt ?? -Infinity) - (b.runtime.lastCheckAt ?? -Infinity));
    overdue.forEach((entry, i) => {
      const window = Math.min(CATCH_UP_MS, entry.monitor.intervalMs);
      entry.nextCheckAt = now + Math.floor((i * window) / overdue.length);
      this.scheduler.schedule(CHECK_JOB, entry.monitor.id, entry.nextCheckAt);
    });
  }

  parse(input: unknown, prefix = ''): ParsedMonitor {
    return parseMonitorInput(input, prefix);
  }

  /** Every monitor with its runtime state, by name (memory; no copy of the views). */
  entries(): MonitorEntry[] {
    return this.registry.all();
  }

  list(): MonitorView[] {
    return this.registry.all().map((e) => this.view(e));
  }

  /** The monitor named `name`, if any, found by its index (no walk over every monitor). */
  find(name: string): MonitorEntry | undefined {
    return this.registry.byName(name);
  }

  get(name: string): MonitorEntry {
    const e = this.registry.byName(name);
    if (!e) throw notFound('monitor', name);
    return e;
  }

  view(e: MonitorEntry): MonitorView {
    const m = e.monitor;
    const rt = e.runtime;
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      name: m.name,
      type: m.type,
      target: redactProbe(m.probe),
      state: rt.state,
      lastCheckAt: iso(rt.lastCheckAt),
      lastResult:
        rt.lastUp === null ? null : { up: rt.lastUp, reason: rt.lastReason ?? '', latencyMs: rt.lastLatencyMs },
      stateChangedAt: new Date(rt.stateChangedAt).toISOString(),
      nextCheckAt: iso(m.paused ? null : e.nextCheckAt),
      settings: {
        description: m.description,
        intervalMs: m.intervalMs,
        timeoutMs: m.timeoutMs,
        failureThreshold: m.failureThreshold,
        successThreshold: m.successThreshold,
        retryIntervalMs: m.retryIntervalMs,
        reminderMs: m.reminderMs,
        topics: m.topics,
        tags: m.tags,
        paused: m.paused,
        locations: m.locations,
      },
    };
  }

  async create(p: ParsedMonitor, q?: Kysely<Database>): Promise<MonitorView> {
    if (this.registry.byName(p.name)) throw new TocsinError('conflict', `monitor '${p.name}' already exists`);
    await this.checkTopics(p, q ?? this.db);
    rejectRedacted(p.probe);
    const now = this.clock.now();
    const monitor: Monitor = {
      id: uuidv7(now),
      num: await store.nextMonitorNum(q ?? this.db),
      type: p.probe.type,
      createdAt: now,
      updatedAt: now,
      ...p,
    };
    const runtime = initialRuntime(now, p.paused);
    await store.insertMonitor(q ?? this.db, monitor, runtime);
    await this.publish(q ?? this.db, [monitor.id]);
    const entry: MonitorEntry = { monitor, runtime, nextCheckAt: null, dirty: false };
    this.registry.set(entry);
    scheduleAfterChange(this.scheduler, entry, now);
    this.changed(q, monitor.name, 'created');
    return this.view(entry);
  }

  /** Replaces a monitor's settings; its state and history stay. */
  async replace(name: string, p: ParsedMonitor, q?: Kysely<Database>): Promise<MonitorView> {
    const entry = this.get(name);
    if (p.name !== name && this.registry.byName(p.name))
      throw new TocsinError('conflict', `monitor '${p.name}' already exists`);
    await this.checkTopics(p, q ?? this.db);
    const now = this.clock.now();
    const probe = keepSecrets(p.probe, entry.monitor.probe) as Monitor['probe'];
    rejectRedacted(probe);
    const monitor: Monitor = { ...entry.monitor, ...p, probe, type: probe.type, updatedAt: now };
    await store.updateMonitor(q ?? this.db, monitor);
    await this.publish(q ?? this.db, [monitor.id]);
    const wasPaused = entry.monitor.paused;
    applyDefinition(entry, monitor, now);
    this.registry.set(entry);
    scheduleAfterChange(this.scheduler, entry, now);
    this.changed(q, monitor.name, monitor.paused !== wasPaused ? entry.runtime.state : 'updated');
    return this.view(entry);
  }

  async setPaused(name: string, paused: boolean): Promise<MonitorView> {
    const e = this.get(name);
    const spec = { ...e.monitor, paused } as Monitor;
    return this.replace(name, { ...spec, probe: spec.probe });
  }

  async remove(name: string, q?: Kysely<Database>): Promise<void> {
    const e = this.get(name);
    await store.deleteMonitor(q ?? this.db, e.monitor.id);
    await deleteMonitorResults(q ?? this.db, e.monitor.num);
    await deleteMonitorChanges(q ?? this.db, e.monitor.num);
    await deleteMonitorLocations(q ?? this.db, e.monitor.num);
    await this.publish(q ?? this.db, [e.monitor.id]);
    this.registry.delete(e.monitor.id);
    this.scheduler.cancel(CHECK_JOB, e.monitor.id);
    this.recorder.forget(e.monitor.num);
    this.locationResults?.forget(e.monitor.num);
    this.changed(q, name, 'deleted');
  }

  /** Uptime over the last 24 hours, 7 and 30 days, in percent (null when never checked). */
  async uptime(names?: string[]): Promise<Record<string, Record<'24h' | '7d' | '30d', number | null>>> {
    const now = this.clock.now();
    const windows = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;
    const sums = await Promise.all(
      Object.values(windows).map((w) => sumRollups(this.db, Math.floor((now - w) / 3600_000) * 3600_000)),
    );
    const out: Record<string, Record<'24h' | '7d' | '30d', number | null>> = {};
    for (const e of this.registry.all()) {
      if (names && !names.includes(e.monitor.name)) continue;
      const pending = this.recorder.pendingCounts(e.monitor.num);
      const figures = Object.keys(windows).map((k, i) => {
        const s = sums[i].get(e.monitor.num) ?? { checks: 0, failures: 0 };
        const checks = s.checks + pending.checks;
        const failures = s.failures + pending.failures;
        return [k, checks === 0 ? null : Math.round(((checks - failures) / checks) * 100_000) / 1000];
      });
      out[e.monitor.name] = Object.fromEntries(figures);
    }
    return out;
  }

  /**
   * Checks and failures per UTC day since `from` (a day's start), by monitor name, from the hourly rollups and
   * the counts not yet flushed (added to today). Days without checks are absent.
   */
  async dailyChecks(names: readonly string[], from: number): Promise<Map<string, Map<number, DayCount>>> {
    const entries = names.flatMap((n) => {
      const e = this.registry.byName(n);
      return e ? [e] : [];
    });
    const byNum = new Map(entries.map((e) => [e.monitor.num, new Map<number, DayCount>()]));
    for (const r of await dailyRollups(this.db, [...byNum.keys()], from))
      byNum.get(r.monitorNum)?.set(r.dayAt, { checks: r.checks, failures: r.failures });
    const today = Math.floor(this.clock.now() / DAY) * DAY;
    const out = new Map<string, Map<number, DayCount>>();
    for (const e of entries) {
      const days = byNum.get(e.monitor.num)!;
      const pending = this.recorder.pendingCounts(e.monitor.num);
      if (pending.checks > 0) {
        const t = days.get(today) ?? { checks: 0, failures: 0 };
        days.set(today, { checks: t.checks + pending.checks, failures: t.failures + pending.failures });
      }
      out.set(e.monitor.name, days);
    }
    return out;
  }

  /**
   * The latest result of each location a monitor is checked from (empty without locations); `current` is
   * false for a location the latest check did not ask (an agent gone offline or no longer matching).
   */
  async locations(name: string): Promise<LocationView[]> {
    const e = this.get(name);
    const rows: StoredLocation[] = (await this.locationResults?.latest(e.monitor.num)) ?? [];
    const latest = Math.max(...rows.map((r) => r.at));
    return rows.map((r) => ({
      location: r.location,
      label: r.label,
      status: r.status,
      latencyMs: r.latencyMs,
      message: r.message,
      at: new Date(r.at).toISOString(),
      current: r.at === latest,
    }));
  }

  async results(name: string, from: number, to: number, limit: number) {
    const e = this.get(name);
    return this.recorder.results(e.monitor.num, from, to, limit);
  }
}
