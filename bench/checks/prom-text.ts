/** Reading figures out of the Prometheus text that `GET /metrics` serves. */

interface Sample {
  name: string;
  labels: string;
  value: number;
}

function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/.exec(line);
    if (m) out.push({ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels contain every `k="v"` given (all samples when none is given). */
export function metric(text: string, name: string, ...labels: string[]): number {
  let total = 0;
  for (const s of samples(text)) if (s.name === name && labels.every((l) => s.labels.includes(l))) total += s.value;
  return total;
}

/**
 * The q-quantile of the observations a histogram made between two scrapes,
 * as the upper bound of the bucket it falls in (Infinity past the last
 * bound, NaN with no observations). Only samples with every label given.
 */
export function histogramQuantile(before: string, after: string, name: string, q: number, ...labels: string[]): number {
  const buckets = (text: string) => {
    const out = new Map<number, number>();
    for (const s of samples(text)) {
      if (s.name !== `${name}_bucket` || !labels.every((l) => s.labels.includes(l))) continue;
      const le = /le="([^"]+)"/.exec(s.labels)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      out.set(bound, (out.get(bound) ?? 0) + s.value);
    }
    return out;
  };
  const a = buckets(before);
  const b = buckets(after);
  const total = (b.get(Infinity) ?? 0) - (a.get(Infinity) ?? 0);
  if (total <= 0) return NaN;
  for (const bound of [...b.keys()].sort((x, y) => x - y)) {
    if ((b.get(bound) ?? 0) - (a.get(bound) ?? 0) >= q * total) return bound;
  }
  return Infinity;
}
