/** Queries of the archive's tables: jobs, the days written per group, runs. */
import type { Kysely, Selectable } from 'kysely';
import type { ArchiveJobSpec } from '@tocsin/protocol';
import type { ArchiveRunTable, Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface ArchiveJobRecord {
  spec: ArchiveJobSpec;
  createdAt: number;
  updatedAt: number;
}

export interface ArchiveDayRecord {
  job: string;
  group: string;
  day: string;
  state: 'archived' | 'failed';
  lines: number;
  storedBytes: number;
  parts: number;
  attempts: number;
  error?: string;
  retryAt?: number;
  archivedAt?: number;
}

export interface WrittenDay {
  group: string;
  day: string;
  parts: number;
  lines: number;
  storedBytes: number;
}

export interface ArchiveRunRecord {
  id: string;
  job: string;
  trigger: 'schedule' | 'manual';
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  from?: string;
  to?: string;
  groups?: string[];
  node?: string;
  requestedAt: number;
  startedAt?: number;
  endedAt?: number;
  daysDone: number;
  daysTotal: number;
  lines: number;
  storedBytes: number;
  written: WrittenDay[];
  error?: string;
}

const num = (v: number | string | null) => (v === null ? undefined : Number(v));

export async function listJobs(q: Q, names?: readonly string[]): Promise<ArchiveJobRecord[]> {
  if (names?.length === 0) return [];
  let sel = q.selectFrom('archive_jobs').selectAll().orderBy('name');
  if (names) sel = sel.where('name', 'in', [...names]);
  return (await sel.execute()).map((r) => ({
    spec: JSON.parse(r.spec) as ArchiveJobSpec,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }));
}

/** Writes the job (its creation time stays); says whether it was new. */
export async function upsertJob(q: Q, spec: ArchiveJobSpec, now: number): Promise<boolean> {
  const found = await q.selectFrom('archive_jobs').select('name').where('name', '=', spec.name).executeTakeFirst();
  if (found) {
    await q
      .updateTable('archive_jobs')
      .set({ spec: JSON.stringify(spec), updated_at: now })
      .where('name', '=', spec.name)
      .execute();
    return false;
  }
  await q
    .insertInto('archive_jobs')
    .values({ name: spec.name, spec: JSON.stringify(spec), created_at: now, updated_at: now })
    .execute();
  return true;
}

/** Deletes the job with its day records and runs (what it wrote stays where it is). */
export async function deleteJob(q: Q, name: string): Promise<boolean> {
  const r = await q.deleteFrom('archive_jobs').where('name', '=', name).executeTakeFirst();
  await q.deleteFrom('archive_days').where('job', '=', name).execute();
  await q.deleteFrom('archive_runs').where('job', '=', name).execute();
  return Number(r.numDeletedRows) > 0;
}

export async function listDays(q: Q, job: string, group?: string): Promise<ArchiveDayRecord[]> {
  let sel = q.selectFrom('archive_days').selectAll().where('job', '=', job);
  if (group) sel = sel.where('group_name', '=', group);
  const rows = await sel.orderBy('group_name').orderBy('day').execute();
  return rows.map((r) => ({
    job: r.job,
    group: r.group_name,
    day: r.day,
    state: r.state as ArchiveDayRecord['state'],
    lines: Number(r.lines),
    storedBytes: Number(r.stored_bytes),
    parts: Number(r.parts),
    attempts: Number(r.attempts),
    error: r.error ?? undefined,
    retryAt: num(r.retry_at),
    archivedAt: num(r.archived_at),
  }));
}

/** Records a day's outcome (replacing an earlier one). */
export async function putDay(q: Q, d: ArchiveDayRecord, now: number): Promise<void> {
  const row = {
    job: d.job,
    group_name: d.group,
    day: d.day,
    state: d.state,
    lines: d.lines,
    stored_bytes: d.storedBytes,
    parts: d.parts,
    attempts: d.attempts,
    error: d.error ?? null,
    retry_at: d.retryAt ?? null,
    archived_at: d.archivedAt ?? null,
    updated_at: now,
  };
  await q
    .insertInto('archive_days')
    .values(row)
    .onConflict((oc) => oc.columns(['job', 'group_name', 'day']).doUpdateSet(row))
    .execute();
}

function runOf(r: Selectable<ArchiveRunTable>): ArchiveRunRecord {
  return {
    id: r.id,
    job: r.job,
    trigger: r.trigger as ArchiveRunRecord['trigger'],
    state: r.state as ArchiveRunRecord['state'],
    from: r.from_day ?? undefined,
    to: r.to_day ?? undefined,
    groups: r.groups ? (JSON.parse(r.groups) as string[]) : undefined,
    node: r.node ?? undefined,
    requestedAt: Number(r.requested_at),
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    daysDone: Number(r.days_done),
    daysTotal: Number(r.days_total),
    lines: Number(r.lines),
    storedBytes: Number(r.stored_bytes),
    written: JSON.parse(r.written) as WrittenDay[],
    error: r.error ?? undefined,
  };
}

export async function insertRun(q: Q, r: ArchiveRunRecord): Promise<void> {
  await q
    .insertInto('archive_runs')
    .values({
      id: r.id,
      job: r.job,
      trigger: r.trigger,
      state: r.state,
      from_day: r.from ?? null,
      to_day: r.to ?? null,
      groups: r.groups ? JSON.stringify(r.groups) : null,
      node: r.node ?? null,
      requested_at: r.requestedAt,
      started_at: r.startedAt ?? null,
      ended_at: r.endedAt ?? null,
      days_done: r.daysDone,
      days_total: r.daysTotal,
      lines: r.lines,
      stored_bytes: r.storedBytes,
      written: JSON.stringify(r.written),
      error: r.error ?? null,
    })
    .execute();
}

/** Writes a run's progress or outcome. */
export async function updateRun(q: Q, r: ArchiveRunRecord): Promise<void> {
  await q
    .updateTable('archive_runs')
    .set({
      state: r.state,
      node: r.node ?? null,
      started_at: r.startedAt ?? null,
      ended_at: r.endedAt ?? null,
      days_done: r.daysDone,
      days_total: r.daysTotal,
      lines: r.lines,
      stored_bytes: r.storedBytes,
      written: JSON.stringify(r.written),
      error: r.error ?? null,
    })
    .where('id', '=', r.id)
    .execute();
}

/** The job's runs, newest first; only `states` when given. */
export async function listRuns(
  q: Q,
  job: string,
  options: { limit?: number; states?: ArchiveRunRecord['state'][] } = {},
): Promise<ArchiveRunRecord[]> {
  let sel = q.selectFrom('archive_runs').selectAll().where('job', '=', job);
  if (options.states) sel = sel.where('state', 'in', options.states);
  const rows = await sel
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
  return rows.map(runOf);
}

export async function getRun(q: Q, id: string): Promise<ArchiveRunRecord | undefined> {
  const r = await q.selectFrom('archive_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return r && runOf(r);
}
