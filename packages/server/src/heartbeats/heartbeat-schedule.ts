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
 * passed — so no backwards search is needed (croner's previousRuns is not
 * used: the forward question is the one the state machine asks).
 *
 * Unlike Healthchecks, deadlines count from creation: a heartbeat that never
 * hears from its job goes LATE and then DOWN (Healthchecks keeps a check NEW
 * and silent until its first ping). Seed 004's checker must alert when the
 * evidence is missing, and a cron line that was never installed is the
 * commonest way for it to be missing.
 *
 * Daylight saving time (America/New_York; verified in the test), as croner 11 schedules
 * with `fixedTimeRule: 'no-wildcard'` (see core/cron-expression.ts), which follows Vixie cron:
 * - Fixed-time jobs (no `*` and no step in the minute and hour fields; lists and ranges count):
 *   a wall time that does not exist (spring forward, 2026-03-08, 02:00 EST → 03:00 EDT) is
 *   expected at the jump: `30 2 * * *` at 03:00 EDT (07:00Z), as Debian/Vixie cron, cronie and
 *   Healthchecks (cronsim) run it; `30 1 * * *` is unaffected (01:30 EST, 06:30Z). A wall time
 *   that happens twice (fall back, 2026-11-01, 02:00 EDT → 01:00 EST) is expected once, at the
 *   first instance: `30 1 * * *` at 01:30 EDT (05:30Z); `30 2 * * *` once at 02:30 EST (07:30Z).
 * - Interval jobs (a `*` or a step in the minute or hour field): times in the gap are skipped, as
 *   cron does (every 15 minutes of hour 2 skips the missing hour); times in a repeated hour are
 *   expected on both passes, as cron runs them (every 30 minutes of hour 1: 01:00 and 01:30 EDT,
 *   then EST).
 *   Unlike Vixie cron, a step without `*` (`0-30/15 2 * * *`) is an interval job here, so it
 *   skips a gap where cron would run it once at the jump (an extra ping is an early run).
 */
import type { Cron } from 'croner';
import { compileCron, cronProblem } from '../core/cron-expression.js';
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
  return { kind: 'cron', expr: spec.cron, timezone: spec.timezone, local: compileCron(spec.cron, spec.timezone) };
}

/** The first expected run strictly after `after`. */
export function nextExpected(s: Schedule, after: number): number {
  if (s.kind === 'period') return after + s.periodMs;
  return s.local.nextRun(new Date(after))?.getTime() ?? NEVER;
}

/**
 * Up to `n` expected runs from `first` (the slot awaited now) on, each the next one of the schedule in its time
 * zone; an expression that never runs again ends the list.
 */
export function upcoming(s: Schedule, first: number, n: number): number[] {
  const times: number[] = [];
  for (let t = first; times.length < n && t < NEVER; t = nextExpected(s, t)) times.push(t);
  return times;
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
