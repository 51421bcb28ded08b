/**
 * The work of archive jobs: one scheduler key per job, so that on several nodes one node runs it.
 *
 * A job's key is due at its next schedule time, at a failed day's retry time, and at once when a run is asked
 * for or the job changes. When due, it runs the queued manual runs first (each re-exports its days, replacing
 * them), then every day that has ended in the job's zone, is not archived yet and is not waiting for a retry:
 * after downtime, that is every day missed.
 *
 * Day states: (none) ──export ok──▶ archived ; (none) ──export fails──▶ failed ──retry time, ok──▶ archived.
 * A failed day publishes `archive.failed` to the job's topics in the transaction that records it, and holds
 * retention until it is archived.
 * Run states: queued ──picked up──▶ running ──▶ succeeded | failed.
 */
import type { ArchiveJobSpec, EventInput } from '@tocsin/protocol';
import type { AppContext } from '../app-module.js';
import { compileCron } from '../core/cron-expression.js';
import { describeS3Error } from '../core/s3-client.js';
import { uuidv7 } from '../core/ids.js';
import { addDays, dayOf, dayRange, daysBetween, earlierDay, laterDay } from '../core/zoned-dates.js';
import type { LogArchiveSource } from '../logs/logs-module.js';
import { jobCovers, type ArchiveService } from './archive-service.js';
import * as store from './archive-store.js';
import { exportDay } from './day-exporter.js';
import { archiveStoreFor } from './destinations/archive-destination.js';

export const ARCHIVE_JOB = 'archive';
/** Progress is written to the run's record at most this often. */
const PROGRESS_EVERY_MS = 2000;

interface DayWork {
  group: string;
  day: string;
  attempts: number;
}

export class ArchiveRunner {
  constructor(
    private readonly ctx: AppContext,
    private readonly jobs: ArchiveService,
    private readonly logs: LogArchiveSource,
  ) {}

  /** The scheduler's handler: runs what is due, returns when the job is due next. */
  async run(name: string): Promise<number | null> {
    const j = this.jobs.records().find((r) => r.spec.name === name);
    if (!j) return null;
    // A run asked for without days does what is due now, under its own record (the progress a person follows).
    for (const run of (await store.listRuns(this.ctx.db, name, { states: ['queued'], limit: 20 })).reverse())
      await this.execute(j.spec, run, run.from ? await this.manualWork(j.spec, run) : await this.dueWork(j));
    if (!j.spec.paused) {
      const work = await this.dueWork(j);
      if (work.length) await this.execute(j.spec, this.newRun(name), work);
    }
    return this.nextDue(j);
  }

  /** When the job is due next: its schedule, or a failed day's retry if sooner. */
  async nextDue(j: store.ArchiveJobRecord): Promise<number | null> {
    if (j.spec.paused) return null;
    const now = this.ctx.clock.now();
    const next = compileCron(j.spec.schedule, j.spec.timezone).nextRun(new Date(now))?.getTime() ?? null;
    const retries = (await store.listDays(this.ctx.db, j.spec.name))
      .filter((d) => d.state === 'failed' && d.retryAt !== undefined)
      .map((d) => d.retryAt!);
    const soonest = retries.length ? Math.max(now, Math.min(...retries)) : null;
    if (next === null) return soonest;
    return soonest === null ? next : Math.min(next, soonest);
  }

  private async groupsOf(spec: ArchiveJobSpec, only?: readonly string[]) {
    return (await this.logs.groups()).filter((g) => jobCovers(spec, g.name) && (!only || only.includes(g.name)));
  }

  /** Ended days not archived, from the job's first day (or the group's creation), failed ones once due. */
  async dueWork(j: store.ArchiveJobRecord): Promise<DayWork[]> {
    const now = this.ctx.clock.now();
    const tz = j.spec.timezone;
    const yesterday = addDays(dayOf(now, tz), -1);
    const records = new Map((await store.listDays(this.ctx.db, j.spec.name)).map((d) => [`${d.group}\n${d.day}`, d]));
    const out: DayWork[] = [];
    for (const g of await this.groupsOf(j.spec)) {
      // From the job's first day, or the day of the group's oldest event if later: days before it are empty.
      if (g.firstTime === undefined) continue;
      const first = laterDay(this.jobs.firstDay(j), dayOf(g.firstTime, tz));
      if (first > yesterday) continue;
      for (const day of daysBetween(first, yesterday)) {
        const r = records.get(`${g.name}\n${day}`);
        if (r?.state === 'archived') continue;
        if (r?.state === 'failed' && (r.retryAt ?? 0) > now) continue;
        out.push({ group: g.name, day, attempts: r?.attempts ?? 0 });
      }
    }
    // A failed day outside that range (a backfill of older days) is retried too.
    const queued = new Set(out.map((w) => `${w.group}\n${w.day}`));
    for (const [key, r] of records)
      if (r.state === 'failed' && (r.retryAt ?? 0) <= now && !queued.has(key) && r.day <= yesterday)
        out.push({ group: r.group, day: r.day, attempts: r.attempts });
    return out;
  }

  private async manualWork(spec: ArchiveJobSpec, run: store.ArchiveRunRecord): Promise<DayWork[]> {
    const yesterday = addDays(dayOf(this.ctx.clock.now(), spec.timezone), -1);
    const groups = await this.groupsOf(spec, run.groups);
    if (!run.from || !run.to) return [];
    const to = earlierDay(run.to, yesterday);
    return groups.flatMap((g) => daysBetween(run.from!, to).map((day) => ({ group: g.name, day, attempts: 0 })));
  }

  private newRun(job: string): store.ArchiveRunRecord {
    return {
      id: uuidv7(this.ctx.clock.now()),
      job,
      trigger: 'schedule',
      state: 'queued',
      requestedAt: this.ctx.clock.now(),
      daysDone: 0,
      daysTotal: 0,
      lines: 0,
      storedBytes: 0,
      written: [],
    };
  }

  private async execute(spec: ArchiveJobSpec, run: store.ArchiveRunRecord, work: DayWork[]): Promise<void> {
    const db = this.ctx.db;
    const isNew = run.state === 'queued' && run.trigger === 'schedule';
    Object.assign(run, {
      state: 'running',
      node: this.ctx.nodeId,
      startedAt: this.ctx.clock.now(),
      daysTotal: work.length,
    });
    if (isNew) await store.insertRun(db, run);
    else await store.updateRun(db, run);
    let failure: string | undefined;
    for (const w of work) {
      const error = await this.exportOne(spec, run, w);
      if (error) failure ??= error;
      run.daysDone++;
      await store.updateRun(db, run);
    }
    run.state = failure ? 'failed' : 'succeeded';
    run.error = failure;
    run.endedAt = this.ctx.clock.now();
    await store.updateRun(db, run);
    if (!failure && spec.notifyOnSuccess && spec.topics.length && run.written.length)
      await this.ctx.publisher.publishIn(db, spec.topics, this.succeededEvent(spec, run)).then((r) => {
        if (r.deliveries) this.ctx.wakeOutbox();
      });
  }

  /** Exports one day; returns the reason it failed, or undefined. */
  private async exportOne(spec: ArchiveJobSpec, run: store.ArchiveRunRecord, w: DayWork): Promise<string | undefined> {
    const { start, end } = dayRange(w.day, spec.timezone);
    const dest = archiveStoreFor(spec.destination);
    const base = run.lines;
    let lastWrite = this.ctx.clock.now();
    try {
      const m = await exportDay({
        store: dest,
        job: spec.name,
        group: w.group,
        day: w.day,
        timezone: spec.timezone,
        start,
        end,
        events: this.logs.range(w.group, start, end),
        partSize: spec.partSize,
        node: this.ctx.nodeId,
        now: () => this.ctx.clock.now(),
        progress: (lines) => {
          run.lines = base + lines;
          const now = this.ctx.clock.now();
          if (now - lastWrite >= PROGRESS_EVERY_MS) {
            lastWrite = now;
            void store.updateRun(this.ctx.db, run).catch(() => {});
          }
        },
      });
      run.lines = base + m.lines;
      run.storedBytes += m.storedBytes;
      run.written.push({
        group: w.group,
        day: w.day,
        parts: m.parts.length,
        lines: m.lines,
        storedBytes: m.storedBytes,
      });
      const now = this.ctx.clock.now();
      await store.putDay(
        this.ctx.db,
        {
          job: spec.name,
          group: w.group,
          day: w.day,
          state: 'archived',
          lines: m.lines,
          storedBytes: m.storedBytes,
          parts: m.parts.length,
          attempts: w.attempts + 1,
          archivedAt: now,
        },
        now,
      );
      return undefined;
    } catch (err) {
      run.lines = base;
      const reason = describeS3Error(err, `${dest.where} ${w.group} ${w.day}`);
      await this.recordFailure(spec, w, reason);
      return reason;
    }
  }

  private async recordFailure(spec: ArchiveJobSpec, w: DayWork, reason: string): Promise<void> {
    const now = this.ctx.clock.now();
    const attempts = w.attempts + 1;
    const delay = Math.min(spec.retryMax, spec.retryAfter * 2 ** (attempts - 1));
    this.ctx.logger.warn('archive day failed', { job: spec.name, group: w.group, day: w.day, attempts, reason });
    const queued = await this.ctx.db.transaction().execute(async (trx) => {
      await store.putDay(
        trx,
        {
          job: spec.name,
          group: w.group,
          day: w.day,
          state: 'failed',
          lines: 0,
          storedBytes: 0,
          parts: 0,
          attempts,
          error: reason,
          retryAt: now + delay,
        },
        now,
      );
      if (!spec.topics.length) return 0;
      const event: EventInput = {
        kind: 'archive.failed',
        severity: 'error',
        source: { type: 'archive', name: spec.name, tags: {} },
        title: `Archive ${spec.name}: ${w.group} ${w.day} not written`,
        text:
          `${reason}\nAttempt ${attempts}; next try ${new Date(now + delay).toISOString()}. ` +
          'The day is kept in the log store until it is archived.',
        attributes: { job: spec.name, group: w.group, day: w.day, attempts, retryAt: now + delay, error: reason },
        dedupKey: `archive:${spec.name}:${w.group}:${w.day}`,
      };
      return (await this.ctx.publisher.publishIn(trx, spec.topics, event)).deliveries;
    });
    if (queued) this.ctx.wakeOutbox();
  }

  private succeededEvent(spec: ArchiveJobSpec, run: store.ArchiveRunRecord): EventInput {
    const days = run.written.map((d) => `${d.group} ${d.day}: ${d.lines} lines in ${d.parts} parts`).join('\n');
    return {
      kind: 'archive.succeeded',
      severity: 'ok',
      source: { type: 'archive', name: spec.name, tags: {} },
      title: `Archive ${spec.name}: ${run.written.length} day(s) written`,
      text: days,
      attributes: { job: spec.name, run: run.id, lines: run.lines, storedBytes: run.storedBytes, days: run.written },
    };
  }

  /** Retention's hold: the start of the earliest day of `group` that a job covers and has not archived. */
  async hold(group: string, cutoff: number): Promise<number | undefined> {
    let keep: number | undefined;
    for (const j of this.jobs.records()) {
      if (!jobCovers(j.spec, group)) continue;
      const tz = j.spec.timezone;
      const archived = new Set(
        (await store.listDays(this.ctx.db, j.spec.name, group)).filter((d) => d.state === 'archived').map((d) => d.day),
      );
      const g = (await this.logs.groups()).find((x) => x.name === group);
      if (g?.firstTime === undefined) continue;
      let day = laterDay(this.jobs.firstDay(j), dayOf(g.firstTime, tz));
      const last = dayOf(cutoff, tz);
      while (day <= last && archived.has(day)) day = addDays(day, 1);
      if (day <= last) {
        const start = dayRange(day, tz).start;
        keep = keep === undefined ? start : Math.min(keep, start);
      }
    }
    return keep;
  }
}
