/**
 * How scheduler keys map to the units of ownership. Every key of every job
 * hashes to one of PARTITIONS partitions; a node owns a partition while it
 * holds that partition's lease (lease-ownership.ts). Which live node should
 * hold a partition is decided by rendezvous (highest random weight) hashing:
 * each node scores each partition and the highest score wins, so a node
 * joining or leaving moves only the partitions it wins or held (about 1/n),
 * and every node computes the same answer from the same list of live nodes.
 *
 * The number is fixed: every node of a cluster must agree on it, and 128
 * spreads work within a few percent over the few nodes a cluster has while
 * keeping the lease rows one statement renews small.
 */
export const PARTITIONS = 128;

/** 32-bit FNV-1a of a string, then a murmur3 finaliser so that close strings land far apart. */
function hash32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The partition of a job's key. */
export function partitionOf(job: string, key: string): number {
  return hash32(`${job}/${key}`) % PARTITIONS;
}

/** The node that should hold `partition` among `nodes` (ids), or undefined when there is none. */
export function preferredNode(nodes: readonly string[], partition: number): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = hash32(`${node}#${partition}`);
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
