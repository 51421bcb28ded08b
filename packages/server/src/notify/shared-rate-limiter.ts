/**
 * The outbox's token buckets kept in the database (table `rate_buckets`), so
 * that several nodes sending to one destination share its rate instead of
 * each allowing all of it. Same semantics as core/rate-limiter.ts (its
 * states are those of a bucket there): burst `defaultBurst(rate)` unless
 * told, refill at the rate from the last take, a token taken only when at
 * least one is there, else the wait for it.
 *
 * A take is one statement, INSERT … ON CONFLICT DO UPDATE … RETURNING: a
 * missing row is a full bucket (inserted with one token taken); an existing
 * row is locked, refilled from its tokens and time to the caller's `now`,
 * and a token taken when ≥ 1. Concurrent takes of one key queue on the row
 * lock, each seeing the one before: nothing is granted twice.
 *
 * Clocks: the row's time is the latest `now` any taker gave, and a taker
 * whose clock is behind it refills nothing, so nodes whose clocks disagree
 * get at most the rate of the fastest clock (less, not more).
 *
 * Rows: absent ──take──▶ present ──untouched an hour and full again──▶ deleted by `prune` (the retention job);
 * deleting a full bucket changes nothing, as a missing row is a full bucket.
 */
import { sql, type Kysely } from 'kysely';
import { defaultBurst, waitForToken, type TokenBuckets } from '../core/rate-limiter.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/db-schema.js';

/** How long a bucket stays untouched before `prune` may delete it. */
export const BUCKET_IDLE_MS = 3600_000;

export class SharedRateLimiter implements TokenBuckets {
  /** The two-argument maximum and minimum of the dialect (SQLite's max/min, PostgreSQL's greatest/least). */
  private readonly max;
  private readonly min;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: DialectName,
  ) {
    this.max = sql.raw(dialect === 'postgres' ? 'greatest' : 'max');
    this.min = sql.raw(dialect === 'postgres' ? 'least' : 'min');
  }

  async take(key: string, perSecond: number, now: number, burst = defaultBurst(perSecond)): Promise<number> {
    const { max, min } = this;
    // The row's tokens refilled to the caller's time (`excluded` is the row the caller proposed), in floating
    // point and in the memory limiter's order of operations, so that both answer alike to the bit.
    const elapsed = sql`cast(${max}(0, excluded.updated_at - b.updated_at) as double precision)`;
    const level = sql`${min}(excluded.burst, b.tokens + (${elapsed} / 1000) * excluded.rate)`;
    const { rows } = await sql<{ tokens: number; granted: number }>`
      insert into rate_buckets as b (key, tokens, updated_at, rate, burst, granted)
      values (${key}, ${burst - 1}, ${now}, ${perSecond}, ${burst}, 1)
      on conflict (key) do update set
        tokens = case when ${level} >= 1 then ${level} - 1 else ${level} end,
        granted = case when ${level} >= 1 then 1 else 0 end,
        updated_at = ${max}(b.updated_at, excluded.updated_at),
        rate = excluded.rate,
        burst = excluded.burst
      returning tokens, granted`.execute(this.db);
    const row = rows[0];
    return Number(row.granted) === 1 ? 0 : waitForToken(Number(row.tokens), perSecond);
  }

  /** Deletes the buckets untouched for an hour that are full again at `now`; answers how many. */
  async prune(now: number): Promise<number> {
    const result = await sql`
      delete from rate_buckets
      where updated_at < ${now - BUCKET_IDLE_MS}
        and tokens + (cast(${now} - updated_at as double precision) / 1000) * rate >= burst`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
