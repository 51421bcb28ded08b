/**
 * Daily uptime of a status page's items, in percent per UTC day, oldest
 * first; null for a day without data.
 *
 * Monitors: from the hourly check rollups (checks without failure over
 * checks). Heartbeats: from their state changes, as the share of the day's
 * time spent UP, STARTED or LATE (a late job has not failed yet) against the
 * time DOWN; time NEW (never run) or PAUSED, and time before the heartbeat
 * existed, counts for neither. Pings are kept for a shorter time than
 * changes (30 days by default), so the changes are what covers 90 days.
 */
import type { DayCount } from '../monitors/monitor-service.js';

export const DAY_MS = 86_400_000;

/** The windows uptime figures are given for, in days (ending today, today included). */
export const UPTIME_WINDOWS = [1, 7, 30, 90] as const;
export type UptimeWindow = (typeof UPTIME_WINDOWS)[number];

export interface DailyUptime {
  /** One per day, oldest first: the day (YYYY-MM-DD, UTC) and its uptime, or null without data. */
  days: { date: string; uptime: number | null }[];
  /** Uptime over the last 1, 7, 30 and 90 days (null without data). */
  windows: Record<`${UptimeWindow}d`, number | null>;
}

const percent = (good: number, total: number) => (total === 0 ? null : Math.round((good / total) * 100_000) / 1000);

/** The first day shown of `count` days ending with the one holding `now`. */
export function firstDayOf(now: number, count: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - (count - 1) * DAY_MS;
}

function summarise(firstDay: number, good: number[], total: number[]): DailyUptime {
  const days = good.map((g, i) => ({
    date: new Date(firstDay + i * DAY_MS).toISOString().slice(0, 10),
    uptime: percent(g, total[i]),
  }));
  const window = (n: number) => {
    const from = Math.max(0, good.length - n);
    const sum = (xs: number[]) => xs.slice(from).reduce((a, b) => a + b, 0);
    return percent(sum(good), sum(total));
  };
  return { days, windows: { '1d': window(1), '7d': window(7), '30d': window(30), '90d': window(90) } };
}

/** A monitor's days from its checks per day (keyed by the day's start). */
export function monitorUptime(counts: ReadonlyMap<number, DayCount>, firstDay: number, count: number): DailyUptime {
  const good: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = counts.get(firstDay + i * DAY_MS);
    good.push(c ? c.checks - c.failures : 0);
    total.push(c?.checks ?? 0);
  }
  return summarise(firstDay, good, total);
}

const GOOD = new Set(['UP', 'STARTED', 'LATE']);
const BAD = new Set(['DOWN']);

export interface HeartbeatHistory {
  /** The state now. */
  state: string;
  createdAt: number;
  /** Changes at or after the first day, oldest first. */
  changes: readonly { at: number; from: string; to: string }[];
}

/** A heartbeat's days from its state changes: time spent good against time spent DOWN. */
export function heartbeatUptime(h: HeartbeatHistory, firstDay: number, count: number, now: number): DailyUptime {
  const good = new Array<number>(count).fill(0);
  const total = new Array<number>(count).fill(0);
  const add = (state: string, from: number, to: number) => {
    if (!GOOD.has(state) && !BAD.has(state)) return;
    for (let t = Math.max(from, firstDay); t < to; ) {
      const day = Math.floor((t - firstDay) / DAY_MS);
      if (day >= count) break;
      const end = Math.min(to, firstDay + (day + 1) * DAY_MS);
      total[day] += end - t;
      if (GOOD.has(state)) good[day] += end - t;
      t = end;
    }
  };
  // The state before the first change shown is what that change left.
  let state = h.changes[0]?.from ?? h.state;
  let since = Math.max(firstDay, h.createdAt);
  for (const c of h.changes) {
    add(state, since, c.at);
    state = c.to;
    since = Math.max(since, c.at);
  }
  add(state, since, now);
  return summarise(firstDay, good, total);
}
