/**
 * Which scheduler keys this node runs. The scheduler asks `owns(job, key)`
 * whenever a key is scheduled or finishes a run, and re-asks for every key
 * it holds when told that ownership changed; a key it does not own is kept
 * (with its due time) but not run, so that taking it over needs no reload.
 *
 * Today one node runs everything (`singleNodeOwnership`). Scale-out on
 * PostgreSQL (issue 11) implements this interface with per-key (or
 * per-partition) leases: `owns` answers from the leases this node holds,
 * and `onChange` fires when it gains or loses some. A job whose work is
 * already shared by leases of its own, as the outbox's rounds are (one
 * lease per queue, see outbox-worker.ts), must stay owned by every node.
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
