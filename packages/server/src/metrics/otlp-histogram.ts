/**
 * OTLP histograms (explicit bounds and exponential) as one shape: a count,
 * a sum, a min and a max when the point has them, and bucket counts keyed
 * by bucket. A histogram datapoint is stored as its exact count, sum, min
 * and max, and its buckets fill the distribution that percentiles read
 * (distribution.ts): each bucket weighs in with its count at a value
 * inside it (the middle of its bounds, kept within the point's min and
 * max), so a percentile is as close as the bucket layout allows.
 *
 * Cumulative histograms become deltas bucket by bucket (`histogramDelta`);
 * an exponential histogram whose scale went down since the last point has
 * its earlier buckets merged to the new scale first.
 */
import { list, toNumber, type OtlpExpHistogramPoint, type OtlpHistogramPoint } from './otlp-values.js';

export interface Histo {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** `b:` and the explicit bounds, or `e` for an exponential histogram (whose scale is `scale`). */
  layout: string;
  bounds: number[];
  scale: number;
  /** Bucket → count. Explicit: the bucket's index; exponential: `p` or `n` and the index, `z` for the zero bucket. */
  counts: Map<string, number>;
  /** A delta's own min and max are unknown; these bound the whole series (the cumulative point's min and max). */
  rangeMin?: number;
  rangeMax?: number;
}

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function explicitHisto(p: OtlpHistogramPoint): Histo {
  const bounds = list(p.explicitBounds).map(Number);
  const counts = new Map<string, number>();
  list(p.bucketCounts).forEach((c, i) => {
    const n = toNumber(c);
    if (n > 0) counts.set(String(i), n);
  });
  return {
    count: toNumber(p.count),
    sum: finite(p.sum),
    min: finite(p.min),
    max: finite(p.max),
    layout: `b:${bounds.join(',')}`,
    bounds,
    scale: 0,
    counts,
  };
}

export function exponentialHisto(p: OtlpExpHistogramPoint): Histo {
  const counts = new Map<string, number>();
  const zero = toNumber(p.zeroCount);
  if (zero > 0) counts.set('z', zero);
  for (const [side, buckets] of [
    ['p', p.positive],
    ['n', p.negative],
  ] as const) {
    const offset = Number(buckets?.offset ?? 0);
    list(buckets?.bucketCounts).forEach((c, i) => {
      const n = toNumber(c);
      if (n > 0) counts.set(`${side}${offset + i}`, n);
    });
  }
  return {
    count: toNumber(p.count),
    sum: finite(p.sum),
    min: finite(p.min),
    max: finite(p.max),
    layout: 'e',
    bounds: [],
    scale: Number(p.scale ?? 0),
    counts,
  };
}

/** The same exponential histogram at a coarser scale: 2^(from - to) buckets become one. */
function downscale(h: Histo, scale: number): Histo {
  if (h.scale === scale) return h;
  const shift = 2 ** (h.scale - scale);
  const counts = new Map<string, number>();
  for (const [k, c] of h.counts) {
    const key = k === 'z' ? k : `${k[0]}${Math.floor(Number(k.slice(1)) / shift)}`;
    counts.set(key, (counts.get(key) ?? 0) + c);
  }
  return { ...h, scale, counts };
}

/**
 * What was observed between `prev` and `cur`, two points of one cumulative series; `cur` itself after a
 * reset (a count or a bucket that went down); undefined when the bucket layouts cannot be compared.
 */
export function histogramDelta(cur: Histo, prev: Histo): Histo | undefined {
  if (cur.layout !== prev.layout) return undefined;
  let a = cur;
  let b = prev;
  if (cur.layout === 'e' && cur.scale !== prev.scale) {
    const scale = Math.min(cur.scale, prev.scale);
    a = downscale(cur, scale);
    b = downscale(prev, scale);
  }
  if (a.count < b.count) return cur;
  const counts = new Map<string, number>();
  for (const [k, c] of a.counts) {
    const d = c - (b.counts.get(k) ?? 0);
    if (d < 0) return cur;
    if (d > 0) counts.set(k, d);
  }
  for (const k of b.counts.keys()) if (!a.counts.has(k)) return cur;
  const sum = a.sum !== undefined && b.sum !== undefined ? a.sum - b.sum : undefined;
  return {
    ...a,
    count: a.count - b.count,
    sum,
    counts,
    min: undefined,
    max: undefined,
    rangeMin: cur.min,
    rangeMax: cur.max,
  };
}

/** A value inside each bucket with its count, kept within [min, max] where the point has them. */
export function bucketValues(h: Histo): { value: number; weight: number }[] {
  const lo = h.min ?? h.rangeMin;
  const hi = h.max ?? h.rangeMax;
  const clamp = (v: number) => Math.min(hi ?? v, Math.max(lo ?? v, v));
  const out: { value: number; weight: number }[] = [];
  for (const [k, weight] of h.counts) {
    let a: number;
    let b: number;
    if (h.layout === 'e') {
      if (k === 'z') {
        a = b = 0;
      } else {
        const i = Number(k.slice(1));
        const v = 2 ** ((i + 0.5) * 2 ** -h.scale);
        a = b = k[0] === 'n' ? -v : v;
      }
    } else {
      const i = Number(k);
      const n = h.bounds.length;
      if (n === 0) a = b = h.sum !== undefined && h.count > 0 ? h.sum / h.count : 0;
      else {
        a = i === 0 ? (lo ?? h.bounds[0]) : h.bounds[i - 1];
        b = i >= n ? (hi ?? h.bounds[n - 1]) : h.bounds[i];
      }
    }
    out.push({ value: clamp((clamp(a) + clamp(b)) / 2), weight });
  }
  return out;
}
