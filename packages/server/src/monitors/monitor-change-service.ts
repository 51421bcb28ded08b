/**
 * The history of monitors' shown states, for people: a monitor's changes
 * newest first, a page at a time, and their retention. The rows are written
 * by the state writer (monitor-state-writer.ts) with the states themselves.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { listMonitorChanges, pruneMonitorChanges } from './monitor-change-store.js';
import type { MonitorService } from './monitor-service.js';

/** How long state changes are kept: the status pages' 90 days of history. */
export const MONITOR_CHANGES_KEEP_MS = 90 * 86_400_000;

export interface MonitorChangeView {
  at: string;
  from: string;
  to: string;
  reason: string | null;
  statusCode: number | null;
  latencyMs: number | null;
}

export class MonitorChangeService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly monitors: MonitorService,
  ) {}

  /** The changes of monitor `name` before `before` (epoch ms), newest first; `next` is the next page's `before`. */
  async list(
    name: string,
    limit: number,
    before?: number,
  ): Promise<{ changes: MonitorChangeView[]; next: number | null }> {
    const { monitor } = this.monitors.get(name);
    const page = await listMonitorChanges(this.db, monitor.num, limit, before);
    return {
      changes: page.changes.map((c) => ({
        at: new Date(c.at).toISOString(),
        from: c.from,
        to: c.to,
        reason: c.reason,
        statusCode: c.statusCode,
        latencyMs: c.latencyMs,
      })),
      next: page.next,
    };
  }

  /** Retention: the changes older than MONITOR_CHANGES_KEEP_MS. */
  prune(now: number): Promise<void> {
    return pruneMonitorChanges(this.db, now - MONITOR_CHANGES_KEEP_MS);
  }
}
