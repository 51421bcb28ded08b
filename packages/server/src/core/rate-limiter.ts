/**
 * Token buckets per destination. A destination that takes 1 message a
 * second (Slack) gets a burst of up to `burst` and then one a second; the
 * outbox waits for a token instead of collecting 429s.
 */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  /**
   * Takes a token for `key` at `now`. Returns 0 when taken, otherwise the
   * milliseconds until one is available (nothing is taken then).
   */
  take(key: string, perSecond: number, now: number, burst = Math.max(1, Math.min(perSecond, 3))): number {
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
    return Math.ceil(((1 - b.tokens) / perSecond) * 1000);
  }
}
