import { once } from 'node:events';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ArchiveManifest } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import { createApiClient, table } from './api-client.js';
import { bytesText, dayFlag, runAction, type RunView } from './archive-run-command.js';
import { type Action, nounCommand, printJson, UsageError } from './command.js';
import { type CliOutput, cliIo } from './cli-io.js';

/** A job as `GET /api/archives` answers it (the parts the CLI prints). */
interface JobView {
  name: string;
  groups: string[];
  timezone: string;
  where: string;
  paused?: boolean;
  lastRun?: RunView;
  daysArchived: number;
  daysFailed: number;
  daysPending: number;
  nextRunAt?: string;
}

const when = (iso?: string) => (iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '-');
const job = (name: string) => `/api/archives/${encodeURIComponent(name)}`;

/** The jobs as one row each. */
export function formatJobs(jobs: JobView[]): string {
  if (jobs.length === 0) return 'no archive jobs (declare one under archives: in the config file, see docs/archive.md)';
  const rows = jobs.map((j) => [
    j.name,
    j.groups.join(','),
    j.timezone,
    j.where,
    j.lastRun ? `${j.lastRun.state} ${when(j.lastRun.endedAt ?? j.lastRun.requestedAt)}` : '-',
    String(j.daysArchived),
    String(j.daysFailed),
    String(j.daysPending),
    j.paused ? 'paused' : when(j.nextRunAt),
  ]);
  return table(['NAME', 'GROUPS', 'ZONE', 'WHERE', 'LAST RUN', 'ARCHIVED', 'FAILED', 'PENDING', 'NEXT RUN'], rows);
}

/** The manifests as one row a day. */
export function formatManifests(manifests: ArchiveManifest[]): string {
  const rows = manifests.map((m) => [
    m.group,
    m.day,
    String(m.lines),
    String(m.parts.length),
    bytesText(m.storedBytes),
    m.firstTime ?? '-',
    m.lastTime ?? '-',
  ]);
  return table(['GROUP', 'DAY', 'LINES', 'PARTS', 'STORED', 'FIRST', 'LAST'], rows);
}

const list: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  help: `The archive jobs: their groups, time zone, destination, last run, the days
archived, failed (kept in the log store and retried) and pending, and the next
scheduled run (GET /api/archives).`,
  async run(v) {
    const answer = await createApiClient(v).get<{ archives: JobView[] }>('/api/archives');
    if (printJson(v, answer)) return 0;
    cliIo().stdout.write(`${formatJobs(answer.archives)}\n`);
    return 0;
  },
};

const ls: Action = {
  args: ['JOB'],
  synopsis: '[--group G] [--json]',
  options: { group: { type: 'string' }, json: { type: 'boolean' } },
  help: `The days found at the job's destination (their manifests, whatever the
records say): group, day, lines, parts, stored bytes, first and last time.`,
  async run(v, [name]) {
    if (v.group !== undefined && (typeof v.group !== 'string' || v.group === ''))
      throw new UsageError('archive ls: --group needs a log group name');
    const q = typeof v.group === 'string' ? `?${new URLSearchParams({ group: v.group })}` : '';
    const answer = await createApiClient(v).get<{ manifests: ArchiveManifest[] }>(`${job(name)}/manifests${q}`);
    if (printJson(v, answer)) return 0;
    if (answer.manifests.length === 0) {
      cliIo().stderr.write(`no archived days in job '${name}'${v.group ? ` for group '${v.group}'` : ''}\n`);
      return 0;
    }
    cliIo().stdout.write(`${formatManifests(answer.manifests)}\n`);
    return 0;
  },
};

/** Writes a chunk, waiting for a process stream to drain when it asks (a test's buffer never does). */
async function writeOut(out: CliOutput, chunk: Buffer): Promise<void> {
  const ok = out.write(chunk);
  const stream = out as Partial<NodeJS.EventEmitter>;
  if (ok === false && typeof stream.once === 'function') await once(stream as NodeJS.EventEmitter, 'drain');
}

const cat: Action = {
  args: ['JOB'],
  synopsis: '--group G --day DATE',
  options: { group: { type: 'string' }, day: { type: 'string' } },
  help: `Prints one archived day of a group as it was written: its NDJSON lines, part
after part, unzipped as they arrive. For example:
  tocsin archive cat nightly --group apache --day 2026-01-31 | jq .message`,
  async run(v, [name]) {
    if (typeof v.group !== 'string' || v.group === '') throw new UsageError('archive cat: give --group G');
    if (v.day === undefined) throw new UsageError('archive cat: give --day DATE (YYYY-MM-DD)');
    const day = dayFlag('cat', v, 'day')!;
    const group = v.group;
    const api = createApiClient(v);
    const object = (part: string) => `${job(name)}/objects?${new URLSearchParams({ group, day, part })}`;
    let manifest: ArchiveManifest;
    try {
      manifest = await api.get<ArchiveManifest>(object('manifest.json'));
    } catch (err) {
      if (err instanceof TocsinError && err.code === 'not_found' && /archive object/.test(err.message))
        throw new TocsinError('not_found', `archive cat: job '${name}' has no archive of group '${group}' on ${day}`);
      throw err;
    }
    const out = cliIo().stdout;
    const abort = new AbortController();
    try {
      for (const part of manifest.parts) {
        const res = await api.stream(object(part.name), abort.signal);
        if (!res.body) continue;
        const lines = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream).pipe(createGunzip());
        for await (const chunk of lines) await writeOut(out, chunk as Buffer);
      }
    } finally {
      abort.abort();
    }
    return 0;
  },
};

export const archiveCommand = nounCommand(
  'archive',
  'list archive jobs, run one (backfill) with progress, list and read back archived days',
  { list, run: runAction, ls, cat },
  'list',
);
