/**
 * Archive jobs as last applied (API, config, another node's change), and what a person asks of them: runs
 * requested now or for a range of days, their records, the days written, an archive read back. The work itself
 * is the runner's (archive-runner.ts), one scheduler key per job.
 */
import type { Kysely } from 'kysely';
import {
  archiveJobInputSchema,
  archiveRunInputSchema,
  type ArchiveJobSpec,
  type ArchiveManifest,
} from '@tocsin/protocol';
import type { ChangeBus } from '../cluster/change-bus.js';
import type { Clock } from '../core/clock.js';
import { cronProblem } from '../core/cron-expression.js';
import { fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import { isValidTimeZone } from '../core/time-zones.js';
import { addDays, dayOf, isDay } from '../core/zoned-dates.js';
import type { Database } from '../db/db-schema.js';
import * as store from './archive-store.js';
import { MANIFEST, archiveStoreFor, dayFolder, groupFolder } from './destinations/archive-destination.js';

export const ARCHIVES_TOPIC = 'archives';

/** Whether `group` is one of the job's: a name, or a pattern where `*` is any run of characters. */
export function jobCovers(spec: ArchiveJobSpec, group: string): boolean {
  return spec.groups.some((sel) => {
    if (!sel.includes('*')) return sel === group;
    const re = new RegExp(
      `^${sel
        .split('*')
        .map((s) => s.replace(/[.\\/#-]/g, '\\$&'))
        .join('.*')}$`,
    );
    return re.test(group);
  });
}

export interface ArchiveJobView extends ArchiveJobSpec {
  where: string;
  createdAt: string;
  updatedAt: string;
}

export class ArchiveService {
  private readonly jobs = new Map<string, store.ArchiveJobRecord>();
  /** Told when a job changed or a run was asked for (the runner schedules it). */
  onChange: (name: string) => void = () => {};

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly changes: ChangeBus,
    private readonly topicNames: (q: Kysely<Database>) => Promise<Set<string>>,
  ) {}

  async load(): Promise<void> {
    this.jobs.clear();
    for (const j of await store.listJobs(this.db)) this.jobs.set(j.spec.name, j);
  }

  async changed(names: readonly string[]): Promise<void> {
    const found = new Map((await store.listJobs(this.db, names)).map((j) => [j.spec.name, j]));
    for (const name of names) {
      const j = found.get(name);
      if (j) this.jobs.set(name, j);
      else this.jobs.delete(name);
      this.onChange(name);
    }
  }

  records(): store.ArchiveJobRecord[] {
    return [...this.jobs.values()];
  }

  record(name: string): store.ArchiveJobRecord {
    const j = this.jobs.get(name);
    if (!j) throw notFound('archive job', name);
    return j;
  }

  /** The job's spec checked beyond its schema: its zone, its cron, its first day. Errors name the field. */
  parse(input: unknown, prefix = ''): ArchiveJobSpec {
    const parsed = archiveJobInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    const spec = parsed.data;
    const at = (f: string) => (prefix ? `${prefix}.${f}` : f);
    if (!isValidTimeZone(spec.timezone))
      throw invalid([
        { path: at('timezone'), message: `unknown time zone '${spec.timezone}' (IANA, such as Asia/Tokyo)` },
      ]);
    const cron = cronProblem(spec.schedule, spec.timezone);
    if (cron) throw invalid([{ path: at(cron.field === 'cron' ? 'schedule' : 'timezone'), message: cron.message }]);
    if (spec.since && !isDay(spec.since)) throw invalid([{ path: at('since'), message: 'not a calendar day' }]);
    if (spec.retryMax < spec.retryAfter) throw invalid([{ path: at('retryMax'), message: 'at least retryAfter' }]);
    return spec;
  }

  /** Creates or replaces a job (in `q`'s transaction when given; a config apply has checked its topics). */
  async put(spec: ArchiveJobSpec, q?: Kysely<Database>): Promise<{ created: boolean }> {
    const run = async (trx: Kysely<Database>) => {
      if (!q) {
        const known = await this.topicNames(trx);
        const i = spec.topics.findIndex((t) => !known.has(t));
        if (i >= 0) throw invalid([{ path: `topics.${i}`, message: `no topic named '${spec.topics[i]}'` }]);
      }
      const created = await store.upsertJob(trx, spec, this.clock.now());
      await this.changes.publish(trx, ARCHIVES_TOPIC, [spec.name]);
      return created;
    };
    const created = q ? await run(q) : await this.db.transaction().execute(run);
    const now = this.clock.now();
    this.jobs.set(spec.name, { spec, createdAt: this.jobs.get(spec.name)?.createdAt ?? now, updatedAt: now });
    this.onChange(spec.name);
    return { created };
  }

  async remove(name: string, q?: Kysely<Database>): Promise<void> {
    this.record(name);
    const run = async (trx: Kysely<Database>) => {
      await store.deleteJob(trx, name);
      await this.changes.publish(trx, ARCHIVES_TOPIC, [name]);
    };
    if (q) await run(q);
    else await this.db.transaction().execute(run);
    this.jobs.delete(name);
    this.onChange(name);
  }

  list(q: Kysely<Database> = this.db): Promise<store.ArchiveJobRecord[]> {
    return store.listJobs(q);
  }

  view(j: store.ArchiveJobRecord): ArchiveJobView {
    const { secretAccessKey: _s, sessionToken: _t, ...destination } = j.spec.destination as Record<string, unknown>;
    return {
      ...j.spec,
      destination: destination as ArchiveJobSpec['destination'],
      where: archiveStoreFor(j.spec.destination).where,
      createdAt: new Date(j.createdAt).toISOString(),
      updatedAt: new Date(j.updatedAt).toISOString(),
    };
  }

  /** The first day the job archives: `since`, else the day before it was created. */
  firstDay(j: store.ArchiveJobRecord): string {
    return j.spec.since ?? addDays(dayOf(j.createdAt, j.spec.timezone), -1);
  }

  /** Queues a run (all of the job's days not written yet, or `from`..`to` again); the owner starts it. */
  async requestRun(name: string, input: unknown): Promise<store.ArchiveRunRecord> {
    const j = this.record(name);
    const parsed = archiveRunInputSchema.safeParse(input ?? {});
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const { from, to, groups } = parsed.data;
    const today = dayOf(this.clock.now(), j.spec.timezone);
    for (const [field, d] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (d && !isDay(d)) throw invalid([{ path: field, message: 'not a calendar day' }]);
      if (d && d >= today) throw invalid([{ path: field, message: `a day that has ended in ${j.spec.timezone}` }]);
    }
    if ((from === undefined) !== (to === undefined))
      throw invalid([{ path: from ? 'to' : 'from', message: 'give both from and to' }]);
    if (from && to && from > to) throw invalid([{ path: 'to', message: 'on or after from' }]);
    if (from && to && addDays(from, 3660) < to) throw invalid([{ path: 'to', message: 'at most ten years of days' }]);
    for (const [i, g] of (groups ?? []).entries())
      if (!jobCovers(j.spec, g)) throw invalid([{ path: `groups.${i}`, message: `not a group of job ${name}` }]);
    const run: store.ArchiveRunRecord = {
      id: uuidv7(this.clock.now()),
      job: name,
      trigger: 'manual',
      state: 'queued',
      from,
      to,
      groups,
      requestedAt: this.clock.now(),
      daysDone: 0,
      daysTotal: 0,
      lines: 0,
      storedBytes: 0,
      written: [],
    };
    await this.db.transaction().execute(async (trx) => {
      await store.insertRun(trx, run);
      await this.changes.publish(trx, ARCHIVES_TOPIC, [name]);
    });
    this.onChange(name);
    return run;
  }

  runs(name: string, limit = 50): Promise<store.ArchiveRunRecord[]> {
    this.record(name);
    return store.listRuns(this.db, name, { limit });
  }

  days(name: string, group?: string): Promise<store.ArchiveDayRecord[]> {
    this.record(name);
    return store.listDays(this.db, name, group);
  }

  /** The manifests found at the destination (what is there, whatever the records say), for `archive ls`. */
  async manifests(name: string, group?: string): Promise<ArchiveManifest[]> {
    const dest = archiveStoreFor(this.record(name).spec.destination);
    const prefix = group ? `${groupFolder(group)}/` : '';
    const keys = (await dest.list(prefix)).filter((o) => o.key.endsWith(`/${MANIFEST}`));
    const out: ArchiveManifest[] = [];
    for (const o of keys) {
      const body = await dest.read(o.key);
      if (!body) continue;
      const chunks: Buffer[] = [];
      for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
      out.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ArchiveManifest);
    }
    return out.sort((a, b) => (a.group === b.group ? (a.day < b.day ? -1 : 1) : a.group < b.group ? -1 : 1));
  }

  /** One part of a day as stored (gzip), or null. */
  async part(name: string, group: string, day: string, part: string): Promise<NodeJS.ReadableStream | null> {
    if (!/^part-\d{4}\.ndjson\.gz$/.test(part) && part !== MANIFEST)
      throw invalid([{ path: 'part', message: 'part-NNNN.ndjson.gz or manifest.json' }]);
    if (!isDay(day)) throw invalid([{ path: 'day', message: 'a day written YYYY-MM-DD' }]);
    return archiveStoreFor(this.record(name).spec.destination).read(dayFolder(group, day) + part);
  }
}
