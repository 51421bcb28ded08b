/**
 * Which scheduler keys this node runs. The scheduler asks `owns(job, key)`
 * whenever a key is scheduled or finishes a run, and re-asks for every key
 * it holds when told that ownership changed; a key it does not own is kept
 * (with its due time) but not run, so that taking it over needs no reload.
 *
 * On SQLite one node runs everything (`singleNodeOwnership`). On PostgreSQL
 * the implementation is cluster/lease-ownership.ts: keys hash to partitions,
 * `owns` answers from the partition leases this node holds, and `onChange`
 * fires when it gains or loses some. A job whose work is this node's own
 * (flushing its buffers) or already shared by leases of its own (the
 * outbox's rounds: one lease per queue) is marked `everyNode` and is not
 * asked about.
 *
 * Key states, seen from one node: owned ──lease lost──▶ not owned ──lease won──▶ owned
 */
export interface KeyOwnership {
  owns(job: string, key: string): boolean;
  /** Calls `listener` after the set of owned keys changed; returns a function that unsubscribes. */
  onChange(listener: () => void): () => void;
}

/** One node owns every key; ownership never changes. */
export const singleNodeOwnership: KeyOwnership = {
  owns: () => true,
  onChange: () => () => {},
};

/** Ownership set by hand, for tests and for a node that is told its share. */
export class StaticKeyOwnership implements KeyOwnership {
  private readonly listeners = new Set<() => void>();

  constructor(private predicate: (job: string, key: string) => boolean) {}

  owns(job: string, key: string): boolean {
    return this.predicate(job, key);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the rule and tells every listener. */
  set(predicate: (job: string, key: string) => boolean): void {
    this.predicate = predicate;
    for (const listener of this.listeners) listener();
  }
}
