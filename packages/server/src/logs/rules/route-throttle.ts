/**
 * One route's grouping, throttle and circuit breaker (no I/O; the stage
 * queues what this decides to send).
 *
 * Per dedup key:  idle ──match──▶ notify at once, window open (throttle)
 *                 window open ──match──▶ counted and sampled (suppressed)
 *                 window end, matches counted ──▶ notify "N more since", window open again
 *                 window end, nothing counted ──▶ idle (the key is forgotten)
 * A throttle of 0 notifies every match.
 *
 * Per route, the breaker:  closed ──over maxPerMinute notifications in the last minute, or more than
 * BREAKER_FACTOR events per match (at least BREAKER_MIN_EVENTS)──▶ open (nothing is sent; would-be
 * notifications are counted as held and their matches stay counted in their keys) ──BREAKER_COOLDOWN_MS──▶
 * closed (the next window end sends what was counted meanwhile, one notification per key).
 */
import type { LogEvent, LogRouteRule } from '@tocsin/protocol';
import type { Template } from './route-template.js';

/** How long an open breaker stays open. */
export const BREAKER_COOLDOWN_MS = 300_000;
/** Events published (notifications × topics) per match above which the breaker opens. */
export const BREAKER_FACTOR = 10;
/** The factor test applies from this many events in the last minute on. */
export const BREAKER_MIN_EVENTS = 50;
/** Dedup keys held per route; matches of further keys are counted in one key, `(other keys)`. */
export const MAX_KEYS_PER_ROUTE = 1_000;
export const OVERFLOW_KEY = '(other keys)';
/** Characters of a sample line kept (the notification's text stays under the event's 64 KiB). */
export const SAMPLE_CHARS = 600;

const MINUTE = 60_000;

export interface SampleLine {
  time: number;
  source?: string;
  text: string;
}

/** What a route sends: one notification for a key's matches since its previous one. */
export interface RouteNotification {
  rule: LogRouteRule;
  key: string;
  title: string;
  event: LogEvent;
  count: number;
  firstTime: number;
  lastTime: number;
  /** The first and the last `sampleLines` lines, oldest first. */
  samples: SampleLine[];
  /** Set on a follow-up: when the key's previous notification went out. */
  since?: number;
}

export interface RouteStats {
  matched: number;
  /** Notifications published (committed). */
  routed: number;
  /** Matches inside a throttle window: counted into the key's next notification. */
  suppressed: number;
  /** Notifications not sent because the breaker was open. */
  held: number;
  /** Notifications lost: the publish queue was full, or publishing failed. */
  dropped: number;
  lastMatchAt: number | null;
  breaker: 'closed' | 'open';
  breakerOpenedAt: number | null;
  breakerClosesAt: number | null;
  /** Times the breaker opened. */
  breakerTrips: number;
  keys: number;
}

interface KeyGroup {
  key: string;
  title: string;
  event: LogEvent;
  windowEnd: number | undefined;
  lastSentAt: number | undefined;
  count: number;
  firstTime: number;
  lastTime: number;
  first: LogEvent[];
  last: LogEvent[];
  /** Next slot of `last` to overwrite once it is full (a ring). */
  lastAt: number;
}

/** A sliding minute: the current fixed minute plus the previous one weighted by how much of it still counts. */
class MinuteRate {
  private start = 0;
  private current = 0;
  private previous = 0;

  add(now: number, n: number): void {
    this.roll(now);
    this.current += n;
  }

  rate(now: number): number {
    this.roll(now);
    return this.current + this.previous * (1 - (now - this.start) / MINUTE);
  }

  reset(now: number): void {
    this.start = now;
    this.current = 0;
    this.previous = 0;
  }

  private roll(now: number): void {
    if (now - this.start < MINUTE) return;
    this.previous = now - this.start < 2 * MINUTE ? this.current : 0;
    this.current = 0;
    this.start = now - ((now - this.start) % MINUTE);
  }
}

export class RouteRuntime {
  readonly stats: RouteStats = {
    matched: 0,
    routed: 0,
    suppressed: 0,
    held: 0,
    dropped: 0,
    lastMatchAt: null,
    breaker: 'closed',
    breakerOpenedAt: null,
    breakerClosesAt: null,
    breakerTrips: 0,
    keys: 0,
  };
  private readonly groups = new Map<string, KeyGroup>();
  private readonly notified = new MinuteRate();
  private readonly published = new MinuteRate();
  private readonly matches = new MinuteRate();

  constructor(
    public rule: LogRouteRule,
    /** Told when the breaker opens or closes (logged by the stage). */
    private readonly onBreaker: (rule: LogRouteRule, open: boolean, stats: RouteStats) => void = () => {},
  ) {}

  /** A matching event; returns the notification to send now, if any. */
  match(
    event: LogEvent,
    parsed: { readonly json: unknown },
    key: string,
    title: Template,
    now: number,
  ): RouteNotification | undefined {
    this.stats.matched++;
    this.stats.lastMatchAt = now;
    this.matches.add(now, 1);
    let g = this.groups.get(key);
    if (!g) {
      if (this.groups.size >= MAX_KEYS_PER_ROUTE && key !== OVERFLOW_KEY) {
        this.stats.matched--;
        return this.match(event, parsed, OVERFLOW_KEY, title, now);
      }
      g = {
        key,
        title: '',
        event,
        windowEnd: undefined,
        lastSentAt: undefined,
        count: 0,
        firstTime: event.time,
        lastTime: event.time,
        first: [],
        last: [],
        lastAt: 0,
      };
      this.groups.set(key, g);
    }
    this.sample(g, event, parsed, title);
    if (g.windowEnd !== undefined) {
      this.stats.suppressed++;
      return undefined;
    }
    return this.emit(g, now);
  }

  /** Window ends and the breaker's cool-down: the follow-up notifications due by `now`. */
  tick(now: number): RouteNotification[] {
    if (this.stats.breaker === 'open' && now >= (this.stats.breakerClosesAt ?? 0)) this.close(now);
    const out: RouteNotification[] = [];
    for (const g of this.groups.values()) {
      if (g.windowEnd === undefined || g.windowEnd > now) continue;
      if (g.count === 0) {
        this.groups.delete(g.key);
        continue;
      }
      const n = this.emit(g, now);
      if (n) out.push(n);
    }
    this.stats.keys = this.groups.size;
    return out;
  }

  /** The notification was published (`ok`) or lost. */
  settled(ok: boolean): void {
    if (ok) this.stats.routed++;
    else this.stats.dropped++;
  }

  /** Counts a match into its key; the first of a notification gives its title and event. */
  private sample(g: KeyGroup, e: LogEvent, parsed: { readonly json: unknown }, title: Template): void {
    if (g.count === 0) {
      g.firstTime = e.time;
      g.event = e;
      g.title = title(e, parsed);
    }
    g.count++;
    g.lastTime = e.time;
    const n = this.rule.sampleLines;
    if (n === 0) return;
    // The events themselves are kept (no copy on the hot path); samples are made when a notification goes out.
    if (g.first.length < n) {
      g.first.push(e);
      return;
    }
    if (g.last.length < n) g.last.push(e);
    else g.last[g.lastAt] = e;
    g.lastAt = (g.lastAt + 1) % n;
  }

  private emit(g: KeyGroup, now: number): RouteNotification | undefined {
    const rule = this.rule;
    g.windowEnd = rule.throttle > 0 ? now + rule.throttle : undefined;
    if (this.stats.breaker === 'open' || this.trips(now)) {
      this.stats.held++;
      if (g.windowEnd === undefined) g.windowEnd = this.stats.breakerClosesAt ?? now;
      return undefined;
    }
    const last = g.last.length < rule.sampleLines ? g.last : [...g.last.slice(g.lastAt), ...g.last.slice(0, g.lastAt)];
    const notification: RouteNotification = {
      rule,
      key: g.key,
      title: g.title,
      event: g.event,
      count: g.count,
      firstTime: g.firstTime,
      lastTime: g.lastTime,
      samples: [...g.first, ...last].map(sampleOf),
      since: g.lastSentAt,
    };
    g.lastSentAt = now;
    g.count = 0;
    g.first = [];
    g.last = [];
    g.lastAt = 0;
    if (g.windowEnd === undefined) this.groups.delete(g.key);
    this.notified.add(now, 1);
    this.published.add(now, rule.topics.length);
    return notification;
  }

  /** Whether one more notification now would break the route's limits; opens the breaker if so. */
  private trips(now: number): boolean {
    const sent = this.notified.rate(now) + 1;
    const events = this.published.rate(now) + this.rule.topics.length;
    const tooMany = sent > this.rule.maxPerMinute;
    const outOfProportion = events >= BREAKER_MIN_EVENTS && events > this.matches.rate(now) * BREAKER_FACTOR;
    if (!tooMany && !outOfProportion) return false;
    this.stats.breaker = 'open';
    this.stats.breakerOpenedAt = now;
    this.stats.breakerClosesAt = now + BREAKER_COOLDOWN_MS;
    this.stats.breakerTrips++;
    this.onBreaker(this.rule, true, this.stats);
    return true;
  }

  private close(now: number): void {
    this.stats.breaker = 'closed';
    this.stats.breakerClosesAt = null;
    this.notified.reset(now);
    this.published.reset(now);
    this.matches.reset(now);
    this.onBreaker(this.rule, false, this.stats);
  }
}

function sampleOf(e: LogEvent): SampleLine {
  const text = e.message.length > SAMPLE_CHARS ? `${e.message.slice(0, SAMPLE_CHARS)}…` : e.message;
  return e.source === undefined ? { time: e.time, text } : { time: e.time, source: e.source, text };
}
