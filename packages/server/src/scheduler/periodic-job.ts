/**
 * Periodic work (flushes, rollups, sweeps, retention) as a scheduler job with
 * one key, so it runs on the injected clock like every other job and a fake
 * clock drives it in tests. A run that fails is logged under the job's name
 * and the job keeps its cadence: the next run is the first slot of its grid
 * (due time + k × period) after now, never a burst of missed slots.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { nextSlotAfter, type Scheduler } from './scheduler.js';

export interface PeriodicJob {
  name: string;
  everyMs: number;
  /** The first due time; by default one period from now. */
  firstAt?: (now: number) => number;
  /**
   * After a late run, run once per missed slot (each run gets its own due
   * time), for work that samples at its due time, back to at most
   * CATCH_UP_SLOTS slots before now; otherwise skip to the next slot after now.
   */
  catchUp?: boolean;
  /** Runs on every node of a cluster (work on this node's own buffers); otherwise on the node owning it. */
  everyNode?: boolean;
  run(dueAt: number): Promise<unknown>;
}

/**
 * The most missed slots a catch-up job runs after a pause. A node that was
 * stopped for a day did not observe that day: its samples of the last slots
 * before now keep dashboards and alarms (which read recent minutes) whole,
 * and a day of invented minutes would only delay the present ones.
 */
export const CATCH_UP_SLOTS = 10;

/** The due time after `dueAt` of a catch-up job at `now`: the next slot, or the oldest one it still runs. */
export function nextCatchUpSlot(dueAt: number, now: number, everyMs: number): number {
  const oldest = nextSlotAfter(dueAt, now, everyMs) - CATCH_UP_SLOTS * everyMs;
  return Math.max(dueAt + everyMs, oldest);
}

/** The scheduler key of a periodic job's only item. */
export const PERIODIC_KEY = 'all';

/** Adds the job to the scheduler and schedules its first run. */
export function addPeriodicJob(scheduler: Scheduler, clock: Clock, logger: Logger, job: PeriodicJob): void {
  scheduler.addJob({
    name: job.name,
    concurrency: 1,
    everyNode: job.everyNode,
    run: async (_key, dueAt) => {
      try {
        await job.run(dueAt);
      } catch (err) {
        logger.warn('periodic job failed', { job: job.name, err });
        return nextSlotAfter(dueAt, clock.now(), job.everyMs);
      }
      return job.catchUp
        ? nextCatchUpSlot(dueAt, clock.now(), job.everyMs)
        : nextSlotAfter(dueAt, clock.now(), job.everyMs);
    },
  });
  const now = clock.now();
  scheduler.schedule(job.name, PERIODIC_KEY, job.firstAt ? job.firstAt(now) : now + job.everyMs);
}
