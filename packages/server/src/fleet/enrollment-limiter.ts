/**
 * The enrolment rate limit, per node, as sign-in's is: refused enrolments per client address, as a token bucket
 * on the injected clock (20 per 15 minutes by default, one more every 45 s). A check while the bucket is empty
 * is a 429 with Retry-After before the token is even looked up; a successful enrolment costs nothing, so a
 * fleet enrolling from behind one NAT address is not held up.
 *
 * A bucket's states: absent (full) ──refused enrolment──▶ held (refilled over time) ──window without one──▶
 * pruned (absent).
 */
import type { Clock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { RateLimiter } from '../core/rate-limiter.js';

export interface EnrollLimits {
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_ENROLL_LIMITS: EnrollLimits = { perAddress: 20, windowMs: 15 * 60_000 };

export class EnrollLimiter {
  private readonly buckets = new RateLimiter();

  constructor(
    private readonly clock: Clock,
    private readonly limits: EnrollLimits = DEFAULT_ENROLL_LIMITS,
  ) {}

  /** Throws 429 `rate_limited` (details.retryAfterSeconds) while the address's bucket is empty. */
  check(address: string): void {
    const wait = this.buckets.peek(address, this.rate(), this.clock.now(), this.limits.perAddress);
    if (wait > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(wait / 1000));
      throw new TocsinError('rate_limited', `too many refused enrolments: try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
  }

  refused(address: string): void {
    this.buckets.take(address, this.rate(), this.clock.now(), this.limits.perAddress);
  }

  /** Forgets buckets full again: memory stays bounded by recent refusals. */
  prune(): void {
    this.buckets.prune(this.clock.now() - this.limits.windowMs);
  }

  private rate(): number {
    return this.limits.perAddress / (this.limits.windowMs / 1000);
  }
}
