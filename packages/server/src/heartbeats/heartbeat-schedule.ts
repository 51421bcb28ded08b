/**
 * When a heartbeat's next run is expected. A period schedule expects a run
 * `period` after the last one; a cron schedule expects the next occurrence
 * of the expression in its time zone after the last ping (as Healthchecks
 * does: a run that pings early is expected again at the occurrence it
 * preceded).
 *
 * Time zones follow croner: on a spring-forward day a time that does not
 * exist (02:30 in America/New_York) runs at the same wall time after the
 * jump, 03:30 EDT; on a fall-back day a time that exists twice (01:30) runs
 * once, at its first instance (EDT).
 */
import { Cron } from 'croner';
import { isValidTimeZone } from '../core/time-zones.js';

export interface Schedule {
  periodMs?: number;
  cron?: Cron;
}

/** An error message for a bad cron expression or time zone, or null. */
export function cronProblem(expr: string, tz: string): { field: 'cron' | 'timezone'; message: string } | null {
  if (!isValidTimeZone(tz)) return { field: 'timezone', message: `'${tz}' is not an IANA time zone such as Asia/Tokyo` };
  if (expr.trim().split(/\s+/).length !== 5) return { field: 'cron', message: 'a cron expression of 5 fields: minute hour day-of-month month day-of-week' };
  try {
    const c = new Cron(expr, { timezone: tz, paused: true });
    if (!c.nextRun()) return { field: 'cron', message: 'this expression never runs' };
  } catch (err) {
    return { field: 'cron', message: `not a cron expression: ${(err as Error).message}` };
  }
  return null;
}

export function compileSchedule(spec: { period?: number; cron?: string; timezone: string }): Schedule {
  if (spec.cron) return { cron: new Cron(spec.cron, { timezone: spec.timezone, paused: true }) };
  return { periodMs: spec.period };
}

/** The first expected run after `after` (strictly later). */
export function nextExpected(s: Schedule, after: number): number {
  if (s.cron) {
    const next = s.cron.nextRun(new Date(after));
    return next ? next.getTime() : Number.MAX_SAFE_INTEGER;
  }
  return after + s.periodMs!;
}

/** The usual time between two runs around `at` (for "ran too often" = true). */
export function typicalGap(s: Schedule, at: number): number {
  if (s.periodMs) return s.periodMs;
  const a = nextExpected(s, at);
  return nextExpected(s, a) - a;
}
