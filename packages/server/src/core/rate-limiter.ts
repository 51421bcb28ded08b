/**
 * Token buckets per destination. A destination that takes 1 message a
 * second (Slack) gets a burst of up to `burst` and then one a second; the
 * outbox waits for a token instead of collecting 429s.
 *
 * A bucket's states: absent (full) ──take──▶ held (tokens in [0, burst], refilled at `perSecond` from the last
 * take's time) ──take──▶ held, one token fewer when at least one was there (answer 0), else unchanged but for
 * the refill (answer: the wait for the next token).
 *
 * `RateLimiter` keeps its buckets in this process (one node, or a limit that is per node by design);
 * notify/shared-rate-limiter.ts keeps them in the database, so that several nodes share one rate.
 */

/** What the outbox takes tokens from: in memory, or shared through the database (then asynchronous). */
export interface TokenBuckets {
  /**
   * Takes a token for `key` at `now`. Answers 0 when taken, otherwise the
   * milliseconds until one is available (nothing is taken then).
   */
  take(key: string, perSecond: number, now: number, burst?: number): number | Promise<number>;
}

/** The burst a rate allows unless told: the rate (a second's worth), at most 3 and at least 1. */
export function defaultBurst(perSecond: number): number {
  return Math.max(1, Math.min(perSecond, 3));
}

/** The wait until a bucket holding `tokens` (< 1) has one. */
export function waitForToken(tokens: number, perSecond: number): number {
  return Math.ceil(((1 - tokens) / perSecond) * 1000);
}

export class RateLimiter implements TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();

  take(key: string, perSecond: number, now: number, burst = defaultBurst(perSecond)): number {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return waitForToken(b.tokens, perSecond);
  }

  /** What `take` would answer, taking nothing: 0 when a token is there, otherwise the wait for one. */
  peek(key: string, perSecond: number, now: number, burst = defaultBurst(perSecond)): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    return tokens >= 1 ? 0 : waitForToken(tokens, perSecond);
  }

  /** Forgets `key`'s bucket: full again. */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  /** Forgets buckets last taken from before `before` (full again by then, for the caller's rate and burst). */
  prune(before: number): void {
    for (const [key, b] of this.buckets) if (b.at < before) this.buckets.delete(key);
  }

  /** How many buckets are held (tests, and a bound on memory). */
  get size(): number {
    return this.buckets.size;
  }
}
