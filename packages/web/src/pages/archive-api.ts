/** The archive pages' shapes (as `/api/archives` answers them) and reads. */
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';

/** How often a page reads again while one of its runs is queued or running. */
export const ARCHIVE_REFRESH_MS = 2000;

export interface ArchiveRun {
  id: string;
  job: string;
  trigger: 'schedule' | 'manual';
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  from?: string;
  to?: string;
  groups?: string[];
  requestedAt: string;
  startedAt?: string;
  endedAt?: string;
  daysDone: number;
  daysTotal: number;
  lines: number;
  storedBytes: number;
  written: { group: string; day: string; parts: number; lines: number; storedBytes: number }[];
  error?: string;
}

export interface ArchiveJob {
  name: string;
  description?: string;
  groups: string[];
  timezone: string;
  schedule: string;
  where: string;
  paused: boolean;
  topics: string[];
  lastRun?: ArchiveRun;
  daysArchived: number;
  daysFailed: number;
  daysPending: number;
  nextRunAt?: string;
}

export interface ArchiveDay {
  group: string;
  day: string;
  state: 'archived' | 'failed';
  lines: number;
  storedBytes: number;
  parts: number;
  attempts: number;
  error?: string;
  retryAt?: string;
  archivedAt?: string;
}

export const isActive = (r: ArchiveRun | undefined) => r?.state === 'queued' || r?.state === 'running';

export const jobPath = (name: string) => `/api/archives/${seg(name)}`;

export async function loadArchives(signal: AbortSignal): Promise<ArchiveJob[]> {
  return (await api.get<{ archives: ArchiveJob[] }>('/api/archives', { signal })).archives;
}

/** The job, its runs (newest first) and its failed days, in one read. */
export async function loadArchive(name: string, signal: AbortSignal) {
  const [job, runs, days] = await Promise.all([
    api.get<ArchiveJob>(jobPath(name), { signal }),
    api.get<{ runs: ArchiveRun[] }>(`${jobPath(name)}/runs?limit=50`, { signal }),
    api.get<{ days: ArchiveDay[] }>(`${jobPath(name)}/days`, { signal }),
  ]);
  return { job, runs: runs.runs, failed: days.days.filter((d) => d.state === 'failed') };
}

/** Run now: the days not archived yet (the server answers the queued run). */
export function runNow(name: string): Promise<ArchiveRun> {
  return api.post<ArchiveRun>(`${jobPath(name)}/run`, {});
}
