/**
 * One mechanism for every periodic or deadline-driven thing (checks,
 * heartbeat deadlines, alarm evaluations, rollups, the outbox's sends). Each
 * job owns a set of keys with due times; the scheduler sleeps until the
 * earliest one, starts due items with a concurrency limit per job, and
 * measures the lag between due and start. A handler returns the item's next
 * due time, or null to drop it; one that throws is retried a minute after
 * it was due (the next minute of its phase, if that has passed).
 * Owners persist due times in their own tables and re-add them at start.
 *
 * Only keys this node owns run (see key-ownership.ts, the seam for
 * scale-out): the scheduler asks its KeyOwnership when a key is scheduled or
 * finishes, and again for every key when ownership changes. A key not owned
 * keeps its due time, parked, so that taking it over needs no reload. On one
 * node (today) every key is owned.
 *
 * Items stay apart after a stall (the loop blocked, or a restart with many
 * overdue items) because next times come from the due time, not from the
 * moment an item ran (see nextSlotAfter): monitor checks and failed items
 * go on at the next slot of their own phase, alarms align to their period,
 * heartbeat deadlines follow pings, and the single-key jobs (group sample,
 * rollup, index sweep) answer dueAt + period, catching up one run at a
 * time. At start, overdue monitors are spread over a catch-up window
 * (MonitorService.load).
 *
 * Item states: scheduled ──due, owned──▶ running ──handler returns t──▶ scheduled(t)
 *                                                ──handler returns null──▶ dropped
 *                                                ──handler throws──▶ scheduled(next slot of 60 s)
 *              scheduled ◀──ownership changes──▶ parked (not owned: kept, not run)
 *              running ──hastened──▶ runs again as soon as it finishes
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Histogram, Summary, Telemetry } from '../core/telemetry.js';
import { DueHeap } from './due-heap.js';
import { singleNodeOwnership, type KeyOwnership } from './key-ownership.js';

/**
 * The first time after `now` on the grid of `stepMs` anchored at `dueAt`:
 * one step after the due time, or, when that has passed (the item started a
 * step late or more: the loop stalled), the next step of the item's own
 * phase. Answering from it keeps items that a stall delayed together apart.
 */
export function nextSlotAfter(dueAt: number, now: number, stepMs: number): number {
  if (stepMs <= 0) return now;
  return dueAt + (Math.floor(Math.max(0, now - dueAt) / stepMs) + 1) * stepMs;
}

/** A handler that throws is tried again this long after its due time (on the grid of its phase). */
export const RETRY_AFTER_FAILURE_MS = 60_000;

export interface SchedulerJob {
  name: string;
  /** Items of this job running at once. */
  concurrency: number;
  /**
   * Runs on every node, whatever ownership says: work on this node's own
   * buffers (flushes), or work already shared by leases of its own (the outbox).
   */
  everyNode?: boolean;
  run(key: string, dueAt: number): Promise<number | null>;
}

/** Per job, the keys this node runs (scheduled or running) and the keys it keeps parked for another node. */
export type JobCounts = Record<string, { owned: number; parked: number }>;

interface JobState {
  job: SchedulerJob;
  heap: DueHeap;
  running: Set<string>;
  /** Set while an item runs and was rescheduled meanwhile (an edit); wins over the handler's answer. */
  rescheduled: Map<string, number | null>;
  /** Keys this node does not own, with their due times. */
  parked: Map<string, number>;
  /** Running keys hastened meanwhile: they run again once they finish. */
  hastened: Set<string>;
}

/** The abort reason of a wake: given, so that no DOMException is built. */
const WAKE = Symbol('wake');

export class Scheduler {
  private jobs = new Map<string, JobState>();
  private running = false;
  private loop?: Promise<void>;
  /** The controller of the loop's current sleep; null while the loop is not asleep. */
  private sleeping: AbortController | null = null;
  /** A wake that came while the loop was awake: its next sleep is skipped. */
  private wakeRequested = false;
  private inFlight = new Set<Promise<void>>();
  private readonly lagHistogram: Histogram;
  private readonly lagRecent: Summary;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    telemetry: Telemetry,
    private readonly ownership: KeyOwnership = singleNodeOwnership,
  ) {
    this.lagHistogram = telemetry.histogram(
      'tocsin_scheduler_lag_seconds',
      'Delay between an item being due and its start, by job.',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.lagRecent = telemetry.summary(
      'tocsin_scheduler_lag_recent_seconds',
      'Lag percentiles over the last 30 to 60 s; sum and count of all starts.',
      {
        percentiles: [0.5, 0.9, 0.99],
        // Two slices: an observation costs a t-digest insert per slice (about 2 µs each), at every start.
        maxAgeSeconds: 60,
        ageBuckets: 2,
      },
    );
    telemetry.gauge('tocsin_scheduler_items', 'Items scheduled, by job.', () =>
      [...this.jobs.values()].map((s) => ({ labels: { job: s.job.name }, value: s.heap.size + s.running.size })),
    );
    ownership.onChange(() => this.rebalance());
  }

  addJob(job: SchedulerJob): void {
    this.jobs.set(job.name, {
      job,
      heap: new DueHeap(),
      running: new Set(),
      rescheduled: new Map(),
      parked: new Map(),
      hastened: new Set(),
    });
  }

  /** Sets (or moves) an item's due time. */
  schedule(jobName: string, key: string, dueAt: number): void {
    const s = this.state(jobName);
    if (s.running.has(key)) {
      s.rescheduled.set(key, dueAt);
      s.hastened.delete(key);
    } else this.place(s, key, dueAt);
    this.wake();
  }

  /**
   * Makes an item due at `at` at the latest (adding it if absent): cheap when
   * it already is, so it may be called at every event. A running item runs
   * again as soon as it finishes.
   */
  hasten(jobName: string, key: string, at: number): void {
    const s = this.state(jobName);
    if (s.running.has(key)) {
      s.hastened.add(key);
      return;
    }
    const current = s.heap.dueAt(key) ?? s.parked.get(key);
    if (current !== undefined && current <= at) return;
    this.place(s, key, at);
    this.wake();
  }

  cancel(jobName: string, key: string): void {
    const s = this.state(jobName);
    s.heap.delete(key);
    s.parked.delete(key);
    s.hastened.delete(key);
    if (s.running.has(key)) s.rescheduled.set(key, null);
  }

  dueAt(jobName: string, key: string): number | undefined {
    const s = this.state(jobName);
    return s.heap.dueAt(key) ?? s.parked.get(key);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  /** Starts every due item (as concurrency allows); resolves when they have finished. For tests on a fake clock. */
  async runDue(): Promise<number> {
    const started = this.startDue();
    await Promise.all(this.inFlight);
    return started;
  }

  /** Per job: keys owned (scheduled or running) and parked. */
  counts(): JobCounts {
    const out: JobCounts = {};
    for (const s of this.jobs.values())
      out[s.job.name] = { owned: s.heap.size + s.running.size, parked: s.parked.size };
    return out;
  }

  /** The p99 of due-to-start lag over the last 30 to 60 s, in ms (null before any start). */
  async lagP99Ms(): Promise<number | null> {
    const v = await this.lagRecent.percentile(0.99);
    return v === null ? null : Math.round(v * 10_000) / 10;
  }

  /** Puts an item where ownership says: in the heap to run, or parked. */
  private place(s: JobState, key: string, dueAt: number): void {
    if (s.job.everyNode || this.ownership.owns(s.job.name, key)) {
      s.parked.delete(key);
      s.heap.set(key, dueAt);
    } else {
      s.heap.delete(key);
      s.parked.set(key, dueAt);
    }
  }

  /** Ownership changed: parks the keys lost and brings back the keys gained, with their due times. */
  private rebalance(): void {
    for (const s of this.jobs.values()) {
      if (s.job.everyNode) continue;
      const name = s.job.name;
      const lost = [...s.heap.entries()].filter(([key]) => !this.ownership.owns(name, key));
      const gained = [...s.parked.entries()].filter(([key]) => this.ownership.owns(name, key));
      for (const [key, dueAt] of [...lost, ...gained]) this.place(s, key, dueAt);
    }
    this.wake();
  }

  private state(jobName: string): JobState {
    const s = this.jobs.get(jobName);
    if (!s) throw new Error(`no scheduler job ${jobName}`);
    return s;
  }

  /**
   * Wakes the loop. Every schedule and every finished item calls this, so it
   * aborts a sleep only when there is one: an abort builds an exception and
   * dispatches an event, which at thousands of items a minute showed up in
   * profiles.
   */
  private wake(): void {
    const sleeping = this.sleeping;
    if (!sleeping) {
      this.wakeRequested = true;
      return;
    }
    this.sleeping = null;
    sleeping.abort(WAKE);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.wakeRequested = false;
      this.startDue();
      const next = this.nextDue();
      const wait = next === undefined ? 1000 : Math.max(0, next - this.clock.now());
      if ((wait > 0 || this.allBusy()) && !this.wakeRequested) {
        const controller = new AbortController();
        this.sleeping = controller;
        await this.clock.sleep(Math.max(wait, this.allBusy() ? 5 : 0), controller.signal);
        if (this.sleeping === controller) this.sleeping = null;
      }
    }
  }

  private allBusy(): boolean {
    for (const s of this.jobs.values())
      if (s.running.size < s.job.concurrency && s.heap.peek() !== undefined && s.heap.peek()! <= this.clock.now())
        return false;
    return true;
  }

  private nextDue(): number | undefined {
    let next: number | undefined;
    for (const s of this.jobs.values()) {
      if (s.running.size >= s.job.concurrency) continue;
      const t = s.heap.peek();
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  private startDue(): number {
    let started = 0;
    const now = this.clock.now();
    for (const s of this.jobs.values()) {
      while (s.running.size < s.job.concurrency) {
        const item = s.heap.popDue(now);
        if (!item) break;
        started++;
        this.startItem(s, item.key, item.dueAt, now);
      }
    }
    return started;
  }

  private startItem(s: JobState, key: string, dueAt: number, now: number): void {
    const lagMs = Math.max(0, now - dueAt);
    this.lagHistogram.observe(lagMs / 1000, { job: s.job.name });
    this.lagRecent.observe(lagMs / 1000);
    s.running.add(key);
    const p: Promise<void> = s.job
      .run(key, dueAt)
      .catch((err) => {
        this.logger.error('scheduled item failed', { job: s.job.name, key, err });
        return nextSlotAfter(dueAt, this.clock.now(), RETRY_AFTER_FAILURE_MS);
      })
      .then((next) => {
        s.running.delete(key);
        const override = s.rescheduled.get(key);
        s.rescheduled.delete(key);
        let nextDue = override !== undefined ? override : next;
        if (s.hastened.delete(key)) nextDue = Math.min(nextDue ?? Infinity, this.clock.now());
        if (nextDue !== null) this.place(s, key, nextDue);
        this.inFlight.delete(p);
        this.wake();
      });
    this.inFlight.add(p);
  }
}
