/**
 * Calendar days in an IANA time zone, without UTC arithmetic in the callers:
 * the day an instant falls on, the instant a day starts (a DST day is 23 or
 * 25 hours long), and dated names such as `{date:YYYY-MM-DD}/evidence.txt`.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface CivilTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time in `tz` at `ms`. */
export function civilTimeOf(ms: number, tz: string): CivilTime {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(tz).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** How far `tz`'s wall clock is ahead of UTC at `ms`, in ms (whole seconds). */
function offsetAt(ms: number, tz: string): number {
  const c = civilTimeOf(ms, tz);
  const asUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `day` is a real calendar day written YYYY-MM-DD. */
export function isDay(day: string): boolean {
  const m = DAY_RE.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day;
}

/** The day (YYYY-MM-DD) in `tz` that `ms` falls on. */
export function dayOf(ms: number, tz: string): string {
  const c = civilTimeOf(ms, tz);
  return `${c.year}-${pad(c.month)}-${pad(c.day)}`;
}

/** The day after (or, with a negative `n`, before) `day`: calendar arithmetic, no time zone involved. */
export function addDays(day: string, n: number): string {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`not a day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n)).toISOString().slice(0, 10);
}

/**
 * The first instant of `day` in `tz`: 00:00 local, or the first time that exists when the clocks jump over
 * midnight (a few zones change at 00:00).
 */
export function dayStart(day: string, tz: string): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`not a day: ${day}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Two rounds settle the offset on either side of a change; a third catches a midnight that does not exist.
  let guess = wall - offsetAt(wall, tz);
  guess = wall - offsetAt(guess, tz);
  if (dayOf(guess, tz) !== day) {
    // The wall time was skipped: the day begins where the clocks landed.
    let lo = guess;
    let hi = guess + 3 * 3600_000;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (dayOf(mid, tz) === day) hi = mid;
      else lo = mid;
    }
    return hi;
  }
  return guess;
}

/** `[start, end)` of `day` in `tz`, in epoch ms: 23, 24 or 25 hours. */
export function dayRange(day: string, tz: string): { start: number; end: number } {
  return { start: dayStart(day, tz), end: dayStart(addDays(day, 1), tz) };
}

/** Days from `from` to `to`, both included, in order. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

const TOKEN_RE = /YYYY|MM|DD|HH|mm|ss/g;

/** A date written in a pattern of YYYY, MM, DD, HH, mm and ss (anything else is kept as it is). */
export function formatDate(ms: number, pattern: string, tz: string): string {
  const c = civilTimeOf(ms, tz);
  const values: Record<string, string> = {
    YYYY: pad(c.year, 4),
    MM: pad(c.month),
    DD: pad(c.day),
    HH: pad(c.hour),
    mm: pad(c.minute),
    ss: pad(c.second),
  };
  return pattern.replace(TOKEN_RE, (t) => values[t]);
}

const TEMPLATE_RE = /\{date(?::([^}]*))?\}/g;

/** A name with `{date}` / `{date:PATTERN}` placeholders filled in for `ms` in `tz` (default pattern YYYY-MM-DD). */
export function fillDateTemplate(template: string, ms: number, tz: string): string {
  return template.replace(TEMPLATE_RE, (_, pattern: string | undefined) => formatDate(ms, pattern || 'YYYY-MM-DD', tz));
}

/** Why a template cannot be used, or null: an unknown placeholder or an unclosed brace. */
export function dateTemplateProblem(template: string): string | null {
  const rest = template.replace(TEMPLATE_RE, '');
  if (/[{}]/.test(rest)) return 'placeholders are {date} or {date:PATTERN} (YYYY, MM, DD, HH, mm, ss)';
  return null;
}

/** The later of two days (YYYY-MM-DD compare as text). */
export function laterDay(a: string, b: string): string {
  return [a, b].sort()[1]!;
}

/** The earlier of two days. */
export function earlierDay(a: string, b: string): string {
  return [a, b].sort()[0]!;
}
