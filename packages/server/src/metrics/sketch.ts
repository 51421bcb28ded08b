/**
 * A mergeable quantile sketch (logarithmic buckets, as DDSketch): each value
 * goes to bucket ceil(log_γ |v|) with γ = 1.02, so a percentile read back is
 * within 1 % of the true value; two sketches merge by adding their counts.
 * Stored as JSON: { p: {index: count}, n: {index: count}, z: zeros }.
 */
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);

export interface Sketch {
  p: Record<number, number>;
  n: Record<number, number>;
  z: number;
}

export function emptySketch(): Sketch {
  return { p: {}, n: {}, z: 0 };
}

export function addValue(s: Sketch, v: number, count = 1): void {
  if (v === 0) {
    s.z += count;
    return;
  }
  const side = v > 0 ? s.p : s.n;
  const i = Math.ceil(Math.log(Math.abs(v)) / LOG_GAMMA);
  side[i] = (side[i] ?? 0) + count;
}

export function mergeSketch(into: Sketch, other: Sketch): void {
  for (const [i, c] of Object.entries(other.p)) into.p[Number(i)] = (into.p[Number(i)] ?? 0) + c;
  for (const [i, c] of Object.entries(other.n)) into.n[Number(i)] = (into.n[Number(i)] ?? 0) + c;
  into.z += other.z;
}

function bucketValue(i: number): number {
  // The middle of the bucket (γ^(i-1), γ^i], so the error is at most (γ-1)/2 relative.
  return (2 * GAMMA ** i) / (GAMMA + 1);
}

/** The p-th percentile (nearest rank), or null for an empty sketch. */
export function quantile(s: Sketch, p: number): number | null {
  const neg = Object.entries(s.n)
    .map(([i, c]) => [-bucketValue(Number(i)), c] as const)
    .sort((a, b) => a[0] - b[0]);
  const pos = Object.entries(s.p)
    .map(([i, c]) => [bucketValue(Number(i)), c] as const)
    .sort((a, b) => a[0] - b[0]);
  const all = [...neg, ...(s.z ? ([[0, s.z]] as const) : []), ...pos];
  const total = all.reduce((t, [, c]) => t + c, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [v, c] of all) {
    seen += c;
    if (seen >= rank) return v;
  }
  return all[all.length - 1][0];
}
