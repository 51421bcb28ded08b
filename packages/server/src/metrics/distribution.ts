/**
 * The distribution of a stored row's single values, for percentiles:
 * exact (value, weight) pairs while there are at most EXACT_LIMIT distinct
 * values, so small periods answer nearest-rank percentiles exactly; beyond
 * that a quantile sketch (sketch.ts, within 1 %). Weights are the Counts
 * of PutMetricData's Values (1 for a plain Value). Statistic sets have no
 * distribution and are not in it.
 *
 * Stored as a Float64Array: [1, v, w, v, w, …] exact, or
 * [2, zeros, np, nn, i, c × np, i, c × nn] as a sketch.
 */
import { addValue, emptySketch, mergeSketch, quantile as sketchQuantile, type Sketch } from './sketch.js';

const EXACT_LIMIT = 64;

export function toBytes(arr: Float64Array): Buffer {
  return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
}

export function fromBytes(buf: Uint8Array): Float64Array {
  // Copied: a Float64Array needs an 8-byte-aligned offset, which a driver's Buffer need not have.
  const arr = new Float64Array(buf.byteLength / 8);
  new Uint8Array(arr.buffer).set(buf);
  return arr;
}

export class Distribution {
  private exact: Map<number, number> | null = new Map();
  private sketch: Sketch | null = null;

  static ofSketch(s: Sketch): Distribution {
    const d = new Distribution();
    d.exact = null;
    d.sketch = s;
    return d;
  }

  add(value: number, weight = 1): void {
    if (this.exact) {
      this.exact.set(value, (this.exact.get(value) ?? 0) + weight);
      if (this.exact.size > EXACT_LIMIT) this.toSketch();
    } else addValue(this.sketch!, value, weight);
  }

  merge(other: Distribution): void {
    if (other.exact) for (const [v, w] of other.exact) this.add(v, w);
    else {
      if (this.exact) this.toSketch();
      mergeSketch(this.sketch!, other.sketch!);
    }
  }

  /** The p-th percentile by nearest rank (exact while exact), or null when empty. */
  quantile(p: number): number | null {
    if (this.sketch) return sketchQuantile(this.sketch, p);
    const pairs = [...this.exact!].sort((a, b) => a[0] - b[0]);
    const total = pairs.reduce((t, [, w]) => t + w, 0);
    if (total === 0) return null;
    // Nearest rank: the first value whose cumulative weight reaches p·n (with whole weights, ceil(p·n)).
    const rank = (p / 100) * total * (1 - 1e-12);
    let seen = 0;
    for (const [v, w] of pairs) {
      seen += w;
      if (seen >= rank) return v;
    }
    return pairs[pairs.length - 1][0];
  }

  /** The sketch form, for per-minute rollups. */
  asSketch(): Sketch {
    if (this.exact) this.toSketch();
    return this.sketch!;
  }

  encode(): Buffer {
    let arr: Float64Array;
    if (this.exact) {
      arr = new Float64Array(1 + 2 * this.exact.size);
      arr[0] = 1;
      let i = 1;
      for (const [v, w] of this.exact) {
        arr[i++] = v;
        arr[i++] = w;
      }
    } else {
      const s = this.sketch!;
      const p = Object.entries(s.p);
      const n = Object.entries(s.n);
      arr = new Float64Array(4 + 2 * (p.length + n.length));
      arr.set([2, s.z, p.length, n.length]);
      let i = 4;
      for (const [k, c] of [...p, ...n]) {
        arr[i++] = Number(k);
        arr[i++] = c;
      }
    }
    return toBytes(arr);
  }

  static decode(buf: Uint8Array): Distribution {
    const arr = fromBytes(buf);
    const d = new Distribution();
    if (arr[0] === 1) {
      for (let i = 1; i + 1 < arr.length; i += 2) d.exact!.set(arr[i], (d.exact!.get(arr[i]) ?? 0) + arr[i + 1]);
      return d;
    }
    if (arr[0] !== 2) throw new Error(`unknown distribution encoding ${arr[0]}`);
    const s = emptySketch();
    s.z = arr[1];
    const np = arr[2];
    let i = 4;
    for (let k = 0; k < np; k++, i += 2) s.p[arr[i]] = arr[i + 1];
    for (; i + 1 < arr.length; i += 2) s.n[arr[i]] = arr[i + 1];
    return Distribution.ofSketch(s);
  }

  private toSketch(): void {
    const s = emptySketch();
    for (const [v, w] of this.exact!) addValue(s, v, w);
    this.exact = null;
    this.sketch = s;
  }
}
