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
   * time), for work that samples at its due time; otherwise skip to the next
   * slot after now.
   */
  catchUp?: boolean;
  /** Runs on every node of a cluster (work on this node's own buffers); otherwise on the node owning it. */
  everyNode?: boolean;
  run(dueAt: number): Promise<unknown>;
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
      return job.catchUp ? dueAt + job.everyMs : nextSlotAfter(dueAt, clock.now(), job.everyMs);
    },
  });
  const now = clock.now();
  scheduler.schedule(job.name, PERIODIC_KEY, job.firstAt ? job.firstAt(now) : now + job.everyMs);
}
