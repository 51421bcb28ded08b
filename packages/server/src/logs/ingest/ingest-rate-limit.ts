/**
 * The per-token ingest rate: a token bucket of lines per token (its id; a session's user id), refilled at
 * `perSecond` up to `burst`, on the injected clock. A request takes as many lines as it carries or none: over the
 * rate it is refused whole, with the seconds until enough have refilled (its Retry-After).
 * States of a bucket: full ──take──▶ partly drained ──(time)──▶ full; idle full buckets are forgotten.
 */
import type { Clock } from '../../core/clock.js';

export interface RateLimitOptions {
  /** Lines a second per token; 0 turns the limit off. */
  perSecond: number;
  /** Lines a token may send at once after being idle (default: one second's worth, at least 1,000). */
  burst?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** More buckets than this and the full ones are dropped (they hold no state worth keeping). */
const MAX_BUCKETS = 10_000;

export class IngestRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  readonly burst: number;

  constructor(
    private readonly clock: Clock,
    private readonly options: RateLimitOptions,
  ) {
    this.burst = options.burst ?? Math.max(options.perSecond, 1000);
  }

  get enabled(): boolean {
    return this.options.perSecond > 0;
  }

  /** Takes `lines` for `key`: undefined when allowed, else the whole seconds to wait before retrying. */
  take(key: string, lines: number): number | undefined {
    if (!this.enabled || lines === 0) return undefined;
    const now = this.clock.now();
    const rate = this.options.perSecond;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (this.buckets.size >= MAX_BUCKETS && !this.buckets.has(key)) this.forgetFull();
    this.buckets.set(key, b);
    // A request larger than the burst could never pass: it is measured against the burst, so it may wait once.
    const need = Math.min(lines, this.burst);
    if (b.tokens >= need) {
      b.tokens -= need;
      return undefined;
    }
    return Math.max(1, Math.ceil((need - b.tokens) / rate));
  }

  private forgetFull(): void {
    for (const [k, b] of this.buckets) if (b.tokens >= this.burst) this.buckets.delete(k);
  }
}
