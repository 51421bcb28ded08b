/**
 * RFC 3164 (BSD syslog) messages as a relay reads them (§4.3), with the
 * variants real senders write:
 *
 * - `<PRI>`: 0–191; missing or unreadable, the whole packet is the MSG and
 *   the priority is user.notice (13), as §4.3.3 says.
 * - TIMESTAMP `Mmm dd hh:mm:ss` (day space- or zero-padded, or one digit),
 *   read in the configured time zone in the latest year that puts it at most
 *   a week after the received time. Variants: a fraction (`22:14:15.123`), a year before or after the
 *   time (`Oct 11 2003 22:14:15`, `1990 Oct 22 10:52:01`), a zone after the
 *   time (`UTC`, `GMT`, US zones, `CET`, `CEST`, `JST`, `TZ-6`: hours from UTC)
 *   before a year or a hostname, and an RFC 3339 timestamp (rsyslog's
 *   high-precision format). No valid timestamp: the received time is used
 *   and everything after the PRI is the MSG (§4.3.2).
 * - HOSTNAME: the word after the timestamp, unless that word is already a
 *   TAG (`su:`, `sshd[42]:`), as messages from the local socket have none.
 * - TAG: `name:` or `name[pid]:` at the start of the MSG gives app-name and
 *   procid; the CONTENT after it (one space dropped) is the message.
 */
import { DEFAULT_PRIVAL, priorityOf, privalOf } from './syslog-priority.js';
import { isRealDate, recentYearToUtc, type WallTime, wallTimeToUtc } from './syslog-time.js';

export interface Rfc3164Message {
  facility: number;
  severity: number;
  /** False when the packet had no readable PRI (the priority is then user.notice). */
  priPresent: boolean;
  /** Epoch ms; undefined when the packet had no valid timestamp. */
  timestamp?: number;
  hostname?: string;
  appName?: string;
  procId?: string;
  message: string;
}

export interface Rfc3164Options {
  /** When the message was received (chooses the year). */
  now: number;
  /** IANA zone for timestamps without an offset (default UTC). */
  timeZone?: string;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON = `(${months.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?';
/**
 * Year first (`1990 Oct 22 10:52:01`), after the day (`Oct 11 2003 22:14:15`) or after the time; a zone
 * after the time: `TZ±h`, UTC, GMT, or any 3–4 capitals when a year follows (`CST 1987`).
 */
const bsdStamp = new RegExp(
  `^(?:(\\d{4}) )?${MON} {1,2}(\\d{1,2}) (?:(\\d{4}) )?${TIME}` +
    '(?: (TZ[+-]\\d{1,2}|UTC|GMT|[A-Z]{3,4}(?= \\d{4}(?: |$))))?(?: (\\d{4}))?(?= |$)',
);
const isoStamp = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})(?= |$)/;

/** Hours from UTC of the zone names senders write after a BSD timestamp. */
const zoneHours: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  EST: -5,
  EDT: -4,
  CST: -6,
  CDT: -5,
  MST: -7,
  MDT: -6,
  PST: -8,
  PDT: -7,
  AKST: -9,
  AKDT: -8,
  HST: -10,
  CET: 1,
  CEST: 2,
  JST: 9,
};

const tag = /^([^\s[\]:]{1,64})(?:\[([^\s\]]{1,128})\])?:(?: |$)/;

export function parseRfc3164(text: string, options: Rfc3164Options): Rfc3164Message {
  const pri = /^<(\d{1,3})>/.exec(text);
  const prival = pri ? privalOf(pri[1]) : undefined;
  const priPresent = prival !== undefined;
  const { facility, severity } = priorityOf(prival ?? DEFAULT_PRIVAL);
  const out: Rfc3164Message = { facility, severity, priPresent, message: '' };
  if (!priPresent) {
    out.message = text;
    return out;
  }
  const afterPri = text.slice(pri![0].length);
  const stamp = timestampPrefix(afterPri, options);
  if (!stamp) {
    out.message = afterPri;
    return out;
  }
  out.timestamp = stamp.at;
  let rest = afterPri.slice(stamp.length).replace(/^ +/, '');
  const word = /^\S+/.exec(rest)?.[0];
  if (word !== undefined && !tag.test(rest)) {
    out.hostname = word;
    rest = rest.slice(word.length).replace(/^ /, '');
  }
  const t = tag.exec(rest);
  if (t) {
    out.appName = t[1];
    if (t[2] !== undefined) out.procId = t[2];
    rest = rest.slice(t[0].length);
  }
  out.message = rest;
  return out;
}

interface StampMatch {
  at: number;
  length: number;
}

function timestampPrefix(text: string, options: Rfc3164Options): StampMatch | undefined {
  const iso = isoStamp.exec(text);
  if (iso) {
    const ms = Date.parse(iso[0].replace(/(\.\d{3})\d+/, '$1'));
    return Number.isNaN(ms) ? undefined : { at: ms, length: iso[0].length };
  }
  const m = bsdStamp.exec(text);
  if (!m) return undefined;
  const [, yearFirst, mon, dayText, yearMid, hh, mm, ss, frac, zone, yearLast] = m;
  const time = {
    month: months.indexOf(mon) + 1,
    day: Number(dayText),
    hour: Number(hh),
    minute: Number(mm),
    second: Number(ss),
    ms: frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0,
  };
  if (time.hour > 23 || time.minute > 59 || time.second > 59) return undefined;
  const at = instantOf(time, yearFirst ?? yearMid ?? yearLast, zone, options);
  return at === undefined ? undefined : { at, length: m[0].length };
}

function instantOf(
  time: Omit<WallTime, 'year'>,
  yearText: string | undefined,
  zone: string | undefined,
  options: Rfc3164Options,
): number | undefined {
  const offset = zone === undefined ? undefined : zoneOffsetOf(zone);
  const timeZone = options.timeZone ?? 'UTC';
  if (yearText !== undefined) {
    const year = Number(yearText);
    if (!isRealDate(year, time.month, time.day)) return undefined;
    if (offset === undefined) return wallTimeToUtc({ ...time, year }, timeZone);
    return Date.UTC(year, time.month - 1, time.day, time.hour, time.minute, time.second, time.ms) - offset;
  }
  if (offset === undefined) return recentYearToUtc(time, options.now, timeZone);
  const wall = recentYearToUtc(time, options.now + offset, 'UTC');
  return wall === undefined ? undefined : wall - offset;
}

function zoneOffsetOf(zone: string): number | undefined {
  const tz = /^TZ([+-])(\d{1,2})$/.exec(zone);
  if (tz) return (tz[1] === '-' ? -1 : 1) * Number(tz[2]) * 3_600_000;
  return Object.hasOwn(zoneHours, zone) ? zoneHours[zone] * 3_600_000 : undefined;
}
