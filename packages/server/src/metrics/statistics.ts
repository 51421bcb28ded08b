import type { DatapointRow } from './metric-store.js';
import { addValue, emptySketch, mergeSketch, quantile, type Sketch } from './sketch.js';

/** A raw datapoint, or a per-minute rollup carrying its quantile sketch. */
export type StatRow = DatapointRow & { sketch?: Sketch };

/**
 * One statistic over the datapoints of a period. A statistic set counts as
 * its SampleCount samples for SampleCount, Sum, Average, Minimum and
 * Maximum; percentiles use the single values only (a set has no
 * distribution), nearest rank.
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
      if (rows.some((r) => r.sketch)) {
        // Rollups answer percentiles from their sketches (within 1 %).
        const merged = emptySketch();
        for (const r of rows) {
          if (r.sketch) mergeSketch(merged, r.sketch);
          else if (r.count === 1) addValue(merged, r.sum);
        }
        return quantile(merged, p);
      }
      const values = rows.filter((r) => r.count === 1).map((r) => r.sum).sort((a, b) => a - b);
      if (values.length === 0) return null;
      const rank = Math.max(1, Math.ceil((p / 100) * values.length));
      return values[rank - 1];
    }
  }
}

/** Splits rows into `n` periods of `periodMs` ending at `end` (oldest first) and applies the statistic to each. */
export function periodValues(rows: readonly StatRow[], end: number, periodMs: number, n: number, statistic: string): { start: number; value: number | null }[] {
  const out: { start: number; value: number | null }[] = [];
  for (let i = n; i >= 1; i--) {
    const start = end - i * periodMs;
    const inPeriod = rows.filter((r) => r.at >= start && r.at < start + periodMs);
    out.push({ start, value: statisticOf(inPeriod, statistic) });
  }
  return out;
}
