/** The archive's tables (migration 0016). */
export interface ArchiveJobTable {
  name: string;
  spec: string;
  created_at: number;
  updated_at: number;
}

export interface ArchiveDayTable {
  job: string;
  group_name: string;
  /** YYYY-MM-DD in the job's time zone. */
  day: string;
  /** archived | failed */
  state: string;
  lines: number;
  stored_bytes: number;
  parts: number;
  attempts: number;
  error: string | null;
  retry_at: number | null;
  archived_at: number | null;
  updated_at: number;
}

export interface ArchiveRunTable {
  id: string;
  job: string;
  /** schedule | manual */
  trigger: string;
  /** queued | running | succeeded | failed */
  state: string;
  from_day: string | null;
  to_day: string | null;
  /** JSON list of group names, or null for all of the job's. */
  groups: string | null;
  node: string | null;
  requested_at: number;
  started_at: number | null;
  ended_at: number | null;
  days_done: number;
  days_total: number;
  lines: number;
  stored_bytes: number;
  /** JSON: [{ group, day, parts, lines, storedBytes }] */
  written: string;
  error: string | null;
}

export interface ArchiveTables {
  archive_jobs: ArchiveJobTable;
  archive_days: ArchiveDayTable;
  archive_runs: ArchiveRunTable;
}
