/**
 * The sign-in rate limit, per node: failures per (name, client address) and
 * per client address, as token buckets on the injected clock. With the
 * defaults, 5 failures for one name from one address (then one more every
 * 3 minutes: 5 per 15 minutes) and 50 from one address (one more every 18 s).
 * A successful sign-in refills its (name, address) bucket. A refused attempt
 * is answered 429 with Retry-After before the password is even hashed.
 */
import type { Clock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { RateLimiter } from '../core/rate-limiter.js';

export interface LoginLimits {
  perNameAndAddress: number;
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perNameAndAddress: 5, perAddress: 50, windowMs: 15 * 60_000 };

export class LoginLimiter {
  private readonly buckets = new RateLimiter();

  constructor(
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  /** Throws 429 `rate_limited` (details.retryAfterSeconds) while either bucket is empty. */
  check(name: string, address: string): void {
    const now = this.clock.now();
    const wait = Math.max(
      this.buckets.peek(
        pairKey(name, address),
        this.rate(this.limits.perNameAndAddress),
        now,
        this.limits.perNameAndAddress,
      ),
      this.buckets.peek(addressKey(address), this.rate(this.limits.perAddress), now, this.limits.perAddress),
    );
    if (wait > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(wait / 1000));
      throw new TocsinError('rate_limited', `too many failed sign-ins: try again in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
  }

  failed(name: string, address: string): void {
    const now = this.clock.now();
    this.buckets.take(
      pairKey(name, address),
      this.rate(this.limits.perNameAndAddress),
      now,
      this.limits.perNameAndAddress,
    );
    this.buckets.take(addressKey(address), this.rate(this.limits.perAddress), now, this.limits.perAddress);
  }

  succeeded(name: string, address: string): void {
    this.buckets.reset(pairKey(name, address));
  }

  /** Forgets buckets full again (a window with no failure): memory stays bounded by recent failures. */
  prune(): void {
    this.buckets.prune(this.clock.now() - this.limits.windowMs);
  }

  private rate(perWindow: number): number {
    return perWindow / (this.limits.windowMs / 1000);
  }
}

const pairKey = (name: string, address: string) => `n:${address}\u0000${name.toLowerCase()}`;
const addressKey = (address: string) => `a:${address}`;
