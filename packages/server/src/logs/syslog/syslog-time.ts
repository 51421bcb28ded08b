/**
 * Times syslog senders write without an offset (RFC 3164's `Mmm dd
 * hh:mm:ss`, which has no year and no zone either): read in a configured
 * IANA time zone, the year chosen so that the time is nearest to the time
 * the message was received.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at instant `ms`, in ms. */
export function zoneOffsetAt(ms: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const parts: Record<string, number> = {};
  for (const p of formatterOf(timeZone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** The instant of a wall-clock time in `timeZone` (a time skipped or repeated by a clock change gets one reading). */
export function wallTimeToUtc(t: WallTime, timeZone: string): number {
  const guess = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.ms);
  if (timeZone === 'UTC') return guess;
  const first = guess - zoneOffsetAt(guess, timeZone);
  const second = guess - zoneOffsetAt(first, timeZone);
  return second;
}

/** Whether day/month/year name a real date (so `Feb 30` is not a timestamp). */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** How far ahead of the received time a year-less timestamp may be before it is read as last year's. */
export const AHEAD_TOLERANCE_MS = 7 * 86_400_000;

/**
 * The instant of a year-less wall time: the latest of the years around
 * `now`'s that puts it at most a week after `now` (so `Dec 31 23:59:59`
 * received on Jan 1 is last year's, and `Jan  1 00:00:01` received a second
 * before midnight on Dec 31 is next year's). Undefined when the date exists
 * in none of them (Feb 29).
 */
export function recentYearToUtc(t: Omit<WallTime, 'year'>, now: number, timeZone: string): number | undefined {
  const year = new Date(now + zoneOffsetAt(now, timeZone)).getUTCFullYear();
  for (const y of [year + 1, year, year - 1]) {
    if (!isRealDate(y, t.month, t.day)) continue;
    const at = wallTimeToUtc({ ...t, year: y }, timeZone);
    if (at <= now + AHEAD_TOLERANCE_MS) return at;
  }
  return undefined;
}
