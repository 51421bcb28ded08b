/**
 * Fencing: what keeps a node that lost a partition (paused, cut off, slow)
 * from writing a transition for it afterwards.
 *
 * A piece of scheduled work takes a token when it starts: the partition of
 * its key and the epoch of the lease this node holds on it. The transaction
 * that writes the work's outcome (a state and the notifications of its
 * transition) first calls `hold` with the tokens of what it writes. On
 * PostgreSQL that reads the lease rows with FOR SHARE and keeps only the
 * tokens whose row still names this node with the same epoch.
 *
 * Why that suffices: a node takes a partition over only by an UPDATE of its
 * lease row that sets itself as holder and increments the epoch. FOR SHARE
 * and that UPDATE conflict, so they are ordered. If the writer's lock comes
 * first, the take-over waits until the writer's transaction has committed,
 * and the new holder, which reads the partition's state rows only after its
 * take-over committed (the gain hooks), sees that write: the old holder's
 * transition happened before the lease moved and is not repeated. If the
 * take-over comes first, the writer reads the new holder (or epoch) and
 * writes nothing: the stale transition is never written, so it is never
 * notified. A lease that merely expired without being taken changes nothing
 * for anyone, so a writer may still commit on it: no other node has written
 * for that partition in between. A frozen writer that holds FOR SHARE locks
 * cannot block a take-over for long: its session is idle in a transaction
 * and PostgreSQL ends it after half a lease timeout (database.ts).
 *
 * On one node (SQLite) every token is held.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';

export interface LeaseToken {
  partition: number;
  epoch: number;
}

export interface Fence {
  /** The token of the lease on `job`'s `key` this node holds now, or null when it holds none. */
  token(job: string, key: string): LeaseToken | null;
  /** In transaction `trx`: the tokens still valid, the lease rows locked until it ends. */
  hold(trx: Kysely<Database>, tokens: readonly LeaseToken[]): Promise<Set<LeaseToken>>;
  /** Counts writes refused by the fence, by domain (a metric). */
  refused(domain: string, count: number): void;
}

const SINGLE_TOKEN: LeaseToken = { partition: 0, epoch: 0 };

/** One node holds everything. */
export const singleNodeFence: Fence = {
  token: () => SINGLE_TOKEN,
  hold: async (_trx, tokens) => new Set(tokens),
  refused: () => {},
};
