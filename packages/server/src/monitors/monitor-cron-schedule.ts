/**
 * When a monitor with a `cron` (object checks) is due, as pure functions of
 * its probe settings. Each cron time `c` in the monitor's time zone stands
 * for one slot, checked at `c + deadline`; a check at `now` is for the latest
 * slot whose deadline has passed (its date fills the key's template). After
 * a good check the monitor sleeps until the next slot's deadline; while it
 * fails, the runner checks again every retry interval (or interval), never
 * later than that deadline, so that a late object turns the monitor up when
 * it appears. Interval monitors have no cron schedule and are not affected.
 */
import { parseDuration } from '@tocsin/protocol';
import type { Cron } from 'croner';
import { compileCron } from '../core/cron-expression.js';

export interface CronSchedule {
  /** The cron time of the slot a check at `now` is for (the latest with `c + deadline <= now`), or null. */
  slotAt(now: number): number | null;
  /** The first `c + deadline` strictly after `now`, or null when the expression never runs again. */
  nextDueAfter(now: number): number | null;
}

const compiled = new WeakMap<object, CronSchedule | null>();

/** The cron schedule of a monitor's probe settings, or undefined when it has none (compiled once per probe). */
export function cronScheduleOf(probe: Record<string, unknown>): CronSchedule | undefined {
  if (typeof probe.cron !== 'string') return undefined;
  let s = compiled.get(probe);
  if (s === undefined) {
    const tz = typeof probe.timezone === 'string' ? probe.timezone : 'UTC';
    const deadline = probe.deadline === undefined ? 0 : parseDuration(probe.deadline as string | number);
    try {
      s = cronSchedule(compileCron(probe.cron, tz), deadline ?? 0);
    } catch {
      s = null; // validated on the way in; a stored expression this build cannot read never falls due
    }
    compiled.set(probe, s);
  }
  return s ?? undefined;
}

function cronSchedule(cron: Cron, deadlineMs: number): CronSchedule {
  return {
    slotAt(now) {
      const [c] = cron.previousRuns(1, new Date(now - deadlineMs + 1));
      return c ? c.getTime() : null;
    },
    nextDueAfter(now) {
      const c = cron.nextRun(new Date(now - deadlineMs));
      return c ? c.getTime() + deadlineMs : null;
    },
  };
}
