/**
 * When a heartbeat's runs are expected, as pure functions of its schedule.
 *
 * `nextExpected(schedule, after)` is the first scheduled time strictly after
 * `after`: `after + period` for a period schedule, the next occurrence of the
 * expression in its time zone for a cron schedule. The state machine calls it
 * with the time of the last run that settled its slot (or the creation time):
 * the heartbeat is LATE from that time and a run is missed at that time plus
 * the grace. As in Healthchecks, the expected cron run is "the first
 * occurrence after the last success" — the same instant as "the latest
 * occurrence at or before now that is after the last success" once it has
 * passed — so no backwards search is needed (croner 9 has no previousRun for
 * an arbitrary date).
 *
 * Unlike Healthchecks, deadlines count from creation: a heartbeat that never
 * hears from its job goes LATE and then DOWN (Healthchecks keeps a check NEW
 * and silent until its first ping). Seed 004's checker must alert when the
 * evidence is missing, and a cron line that was never installed is the
 * commonest way for it to be missing.
 *
 * Daylight saving time (America/New_York; verified in the test):
 * - Spring forward (2026-03-08, 02:00 EST → 03:00 EDT). croner moves a wall
 *   time that does not exist to the same wall time after the jump: `30 2 * * *`
 *   at 03:30 EDT. Debian/Vixie cron and cronie run such a job right after the
 *   jump, at 03:00 EDT, and Healthchecks (cronsim) expects it then; expecting
 *   03:30 would take the 03:00 ping for an early one and report the 03:30 run
 *   missed. So, as cronsim does, a job at a fixed minute and hour whose time
 *   does not exist is expected at the jump, 03:00 EDT (07:00Z); a job whose
 *   minute or hour field starts with `*` skips the missing hour, as cron does.
 *   `30 1 * * *` is unaffected (01:30 EST, 06:30Z).
 * - Fall back (2026-11-01, 02:00 EDT → 01:00 EST). `30 1 * * *` (01:30 exists
 *   twice) is expected once, at the first instance, 01:30 EDT (05:30Z), as
 *   croner, cron and cronsim agree; `30 2 * * *` once at 02:30 EST (07:30Z).
 *   A job every 30 minutes of hour 1 (minute field `*` + `/30`) is expected by
 *   croner only in the EDT hour, where cron also runs it in the EST hour;
 *   those extra pings are early runs (a concern only with tooOften).
 */
import { Cron } from 'croner';
import { cronProblem, libraryForm } from '../core/cron-expression.js';
import { isValidTimeZone } from '../core/time-zones.js';

export { cronProblem, isValidTimeZone };

export type Schedule =
  | { kind: 'period'; periodMs: number }
  | {
      kind: 'cron';
      expr: string;
      timezone: string;
      /** The expression in its time zone. */
      local: Cron;
      /** The same expression in UTC: tells whether a wall-clock time matches it. */
      wall: Cron;
      /** Minute and hour fields are fixed (no leading `*`): cron runs it after a spring-forward jump. */
      fixedTime: boolean;
    };

/** For an expression that never runs again: beyond any real time, yet a valid Date with a grace added. */
export const NEVER = 8.64e15 - 400 * 86_400_000;

/** An error message for a bad cron expression or time zone, or null when both are good. */
export function validateCron(expr: string, tz: string): string | null {
  const problem = cronProblem(expr, tz);
  return problem && `${problem.field}: ${problem.message}`;
}

/** Compiles a validated spec (see cronProblem); durations in milliseconds. */
export function compileSchedule(spec: { period?: number; cron?: string; timezone: string }): Schedule {
  if (spec.cron === undefined) return { kind: 'period', periodMs: spec.period! };
  const expr = libraryForm(spec.cron);
  const [minute, hour] = expr.split(' ');
  return {
    kind: 'cron',
    expr: spec.cron,
    timezone: spec.timezone,
    local: new Cron(expr, { timezone: spec.timezone, paused: true }),
    wall: new Cron(expr, { timezone: 'UTC', paused: true }),
    fixedTime: !minute.startsWith('*') && !hour.startsWith('*'),
  };
}

/** The first expected run strictly after `after`. */
export function nextExpected(s: Schedule, after: number): number {
  if (s.kind === 'period') return after + s.periodMs;
  let from = after;
  // Skipping occurrences that do not exist takes at most one per minute of a gap.
  for (let guard = 0; guard < 200; guard++) {
    const next = s.local.nextRun(new Date(from))?.getTime();
    if (next === undefined) return NEVER;
    if (matchesWallClock(s, next)) return next;
    if (s.fixedTime) {
      const jump = jumpBefore(next, s.timezone);
      if (jump > after) return jump;
    }
    from = next;
  }
  return NEVER;
}

/**
 * When a run counts as missed when the last run that settled its slot was at
 * `lastRunAt` (null before any: count from `createdAt`): the next expected
 * time plus the grace.
 */
export function missedDeadline(s: Schedule, graceMs: number, lastRunAt: number | null, createdAt: number): number {
  return nextExpected(s, lastRunAt ?? createdAt) + graceMs;
}

/** The usual time between two runs around `at` (for "ran too often" = true). */
export function typicalGap(s: Schedule, at: number): number {
  if (s.kind === 'period') return s.periodMs;
  const a = nextExpected(s, at);
  return nextExpected(s, a) - a;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time in `tz` at `t`, as epoch milliseconds of the same reading in UTC. */
function wallClock(t: number, tz: string): number {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const { type, value } of f.formatToParts(t)) p[type] = Number(value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

function offsetAt(t: number, tz: string): number {
  return wallClock(t, tz) - Math.floor(t / 1000) * 1000;
}

/** Whether croner's occurrence is a real one, not a wall time it moved past a spring-forward gap. */
function matchesWallClock(s: Extract<Schedule, { kind: 'cron' }>, t: number): boolean {
  const wall = wallClock(t, s.timezone);
  return s.wall.nextRun(new Date(wall - 1000))?.getTime() === wall;
}

/** The moment the UTC offset in force at `t` began (within 3 hours before it), else `t`. */
function jumpBefore(t: number, tz: string): number {
  const offset = offsetAt(t, tz);
  let lo = t - 3 * 3_600_000;
  let hi = t;
  if (offsetAt(lo, tz) === offset) return t;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, tz) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}
