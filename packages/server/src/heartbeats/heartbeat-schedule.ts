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
import { isValidTimeZone } from '../core/time-zones.js';

export { isValidTimeZone };

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

/**
 * Cron's nicknames, as Vixie cron and cronie read them (Healthchecks' cron
 * parser has none; its OnCalendar schedules take the bare words, see below).
 */
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** systemd OnCalendar shorthands, which Healthchecks takes as schedules: what to write instead. */
const ON_CALENDAR: Record<string, string> = {
  minutely: "'* * * * *'",
  hourly: "'@hourly' (0 * * * *)",
  daily: "'@daily' (0 0 * * *)",
  weekly: "'0 0 * * 1' (OnCalendar's weekly is Monday; cron's @weekly is Sunday)",
  monthly: "'@monthly' (0 0 1 * *)",
  yearly: "'@yearly' (0 0 1 1 *)",
  annually: "'@yearly' (0 0 1 1 *)",
  quarterly: "'0 0 1 1,4,7,10 *'",
  semiannually: "'0 0 1 1,7 *'",
};

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], first: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], first: 0 },
];

const FIVE_FIELDS = 'a cron expression of 5 fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly';

/** The 5 fields of an expression, with a nickname expanded. */
function fieldsOf(expr: string): string[] {
  const trimmed = expr.trim();
  return (NICKNAMES[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
}

/** What is wrong with one item of a field (a value, a range, a step, `L`, `n#k`, `nL`), or null. */
function itemProblem(item: string, i: number): string | null {
  const f = FIELDS[i];
  const value = (text: string): number | string => {
    const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
    if (named >= 0) return named + f.first!;
    if (!/^\d+$/.test(text)) return `'${text}' is not a number${f.names ? ` or a name (${f.names[0]}-${f.names[f.names.length - 1]})` : ''}`;
    const n = Number(text);
    return n < f.min || n > f.max ? `${n} is out of range ${f.min}-${f.max}` : n;
  };
  if (i === 2 && item === 'L') return null;
  if (i === 4 && /^[^#]+#[^#]+$/.test(item)) {
    const [day, nth] = item.split('#');
    const d = value(day);
    if (typeof d === 'string') return d;
    return /^[1-5]$/.test(nth) ? null : `'#${nth}' must be #1 to #5 (the n-th such day of the month)`;
  }
  if (i === 4 && /^\w+L$/i.test(item)) {
    const d = value(item.slice(0, -1));
    return typeof d === 'string' ? d : null;
  }
  const [range, step, ...rest] = item.split('/');
  if (rest.length) return `'${item}' has more than one step`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `the step '${step}' must be a whole number of at least 1`;
  const span = i === 4 ? 7 : f.max - f.min + 1;
  if (step !== undefined && Number(step) > span) return `the step ${step} is longer than the field (${span})`;
  if (range === '*') return null;
  const [lo, hi, ...more] = range.split('-');
  if (more.length) return `'${range}' is not a range a-b`;
  const a = value(lo);
  if (typeof a === 'string') return a;
  if (hi === undefined) return null;
  const b = value(hi);
  if (typeof b === 'string') return b;
  return a > b ? `the range '${range}' goes downwards` : null;
}

/** What is wrong with the expression itself, or null. */
function expressionProblem(expr: string): string | null {
  const word = expr.trim().toLowerCase();
  if (word.startsWith('@') && !NICKNAMES[word]) return `'${expr.trim()}' is not a schedule Tocsin can expect; give ${FIVE_FIELDS}`;
  if (ON_CALENDAR[word]) return `'${expr.trim()}' is a systemd OnCalendar word (Healthchecks takes those); as cron write ${ON_CALENDAR[word]}`;
  const fields = fieldsOf(expr);
  if (fields.length !== 5) return FIVE_FIELDS;
  for (let i = 0; i < 5; i++) {
    for (const item of fields[i].split(',')) {
      const problem = item === '' ? 'an empty item' : itemProblem(item, i);
      if (problem) return `the ${FIELDS[i].name} field '${fields[i]}': ${problem}`;
    }
  }
  return null;
}

/** The expression as the cron library reads it: nickname expanded, `5L` (last Friday) as `5#L`. */
function libraryForm(expr: string): string {
  const fields = fieldsOf(expr);
  fields[4] = fields[4].replace(/(\w+)L\b/gi, '$1#L');
  return fields.join(' ');
}

/** The field and message of a bad cron expression or time zone, or null. */
export function cronProblem(expr: string, tz: string): { field: 'cron' | 'timezone'; message: string } | null {
  if (!isValidTimeZone(tz)) return { field: 'timezone', message: `'${tz}' is not an IANA time zone such as Asia/Tokyo` };
  const problem = expressionProblem(expr);
  if (problem) return { field: 'cron', message: problem };
  try {
    const c = new Cron(libraryForm(expr), { timezone: tz, paused: true });
    if (!c.nextRun()) return { field: 'cron', message: 'this expression never runs' };
  } catch {
    // The checks above should leave nothing for the library to refuse; its own words name the library, so not shown.
    return { field: 'cron', message: `'${expr}' is not a cron expression Tocsin can read` };
  }
  return null;
}

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
