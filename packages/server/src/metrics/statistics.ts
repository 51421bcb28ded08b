import { Distribution } from './distribution.js';
import type { DatapointRow } from './metric-store.js';

/**
 * A stored row: one plain value (count 1, no distribution), or a bucket's
 * aggregate with the distribution of its single values (none when it holds
 * statistic sets only).
 */
export type StatRow = DatapointRow & { dist?: Distribution };

/**
 * One statistic over the datapoints of a period. A statistic set counts as
 * its SampleCount samples for SampleCount, Sum, Average, Minimum and
 * Maximum; percentiles use the single values only (a set has no
 * distribution), weighted by their Counts, nearest rank: exact while a
 * period holds few distinct values, within 1 % from a sketch beyond.
 */
export function statisticOf(rows: readonly StatRow[], statistic: string): number | null {
  if (rows.length === 0) return null;
  switch (statistic) {
    case 'SampleCount':
      return rows.reduce((s, r) => s + r.count, 0);
    case 'Sum':
      return rows.reduce((s, r) => s + r.sum, 0);
    case 'Average': {
      const count = rows.reduce((s, r) => s + r.count, 0);
      return count === 0 ? null : rows.reduce((s, r) => s + r.sum, 0) / count;
    }
    case 'Minimum':
      return Math.min(...rows.map((r) => r.min));
    case 'Maximum':
      return Math.max(...rows.map((r) => r.max));
    default: {
      const p = Number(statistic.slice(1));
      if (rows.every((r) => !r.dist)) {
        const values = rows
          .filter((r) => r.count === 1)
          .map((r) => r.sum)
          .sort((a, b) => a - b);
        if (values.length === 0) return null;
        return values[Math.max(1, Math.ceil((p / 100) * values.length)) - 1];
      }
      const merged = new Distribution();
      for (const r of rows) {
        if (r.dist) merged.merge(r.dist);
        else if (r.count === 1) merged.add(r.sum);
      }
      return merged.quantile(p);
    }
  }
}

/** Splits rows into `n` periods of `periodMs` ending at `end` (oldest first) and applies the statistic to each. */
export function periodValues(
  rows: readonly StatRow[],
  end: number,
  periodMs: number,
  n: number,
  statistic: string,
): { start: number; value: number | null }[] {
  const out: { start: number; value: number | null }[] = [];
  for (let i = n; i >= 1; i--) {
    const start = end - i * periodMs;
    const inPeriod = rows.filter((r) => r.at >= start && r.at < start + periodMs);
    out.push({ start, value: statisticOf(inPeriod, statistic) });
  }
  return out;
}
