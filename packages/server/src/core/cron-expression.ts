/**
 * Cron expressions as Tocsin reads them, for every schedule that takes one
 * (heartbeats, maintenance windows): 5 fields or a nickname, each field
 * checked here so that a message names the field and the fault and never the
 * cron library, and the form the library is then given.
 */
import { Cron } from 'croner';
import { isValidTimeZone } from './time-zones.js';

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
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
    first: 1,
  },
  { name: 'day-of-week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], first: 0 },
];

const FIVE_FIELDS =
  'a cron expression of 5 fields (minute hour day-of-month month day-of-week) ' +
  'or @hourly, @daily, @weekly, @monthly, @yearly';

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
    if (!/^\d+$/.test(text))
      return `'${text}' is not a number${f.names ? ` or a name (${f.names[0]}-${f.names[f.names.length - 1]})` : ''}`;
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
  if (word.startsWith('@') && !NICKNAMES[word])
    return `'${expr.trim()}' is not a schedule Tocsin can expect; give ${FIVE_FIELDS}`;
  if (ON_CALENDAR[word])
    return (
      `'${expr.trim()}' is a systemd OnCalendar word (Healthchecks takes those); ` +
      `as cron write ${ON_CALENDAR[word]}`
    );
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
export function libraryForm(expr: string): string {
  const fields = fieldsOf(expr);
  fields[4] = fields[4].replace(/(\w+)L\b/gi, '$1#L');
  return fields.join(' ');
}

/**
 * A paused croner job for a validated expression in a time zone, read as Tocsin documents cron:
 * exactly 5 fields; `5/15` as `5-59/15` (`sloppyRanges`, as croner 9 and cronie read it);
 * day-of-month OR day-of-week (croner's default). DST is croner's own handling, with lists and
 * ranges counted as fixed times as in Vixie cron (`fixedTimeRule`); heartbeat-schedule.ts has the rules.
 */
export function compileCron(expr: string, timezone: string): Cron {
  return new Cron(libraryForm(expr), {
    timezone,
    paused: true,
    mode: '5-part',
    sloppyRanges: true,
    fixedTimeRule: 'no-wildcard',
  });
}

/** The field and message of a bad cron expression or time zone, or null. */
export function cronProblem(expr: string, tz: string): { field: 'cron' | 'timezone'; message: string } | null {
  if (!isValidTimeZone(tz))
    return { field: 'timezone', message: `'${tz}' is not an IANA time zone such as Asia/Tokyo` };
  const problem = expressionProblem(expr);
  if (problem) return { field: 'cron', message: problem };
  try {
    const c = compileCron(expr, tz);
    if (!c.nextRun()) return { field: 'cron', message: 'this expression never runs' };
  } catch {
    // The checks above should leave nothing for the library to refuse; its own words name the library, so not shown.
    return { field: 'cron', message: `'${expr}' is not a cron expression Tocsin can read` };
  }
  return null;
}
