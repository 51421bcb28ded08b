/**
 * The metrics explorer's pickers, from the series table (one row per series, never the datapoints):
 * namespaces with their counts, and a namespace's metrics with each dimension's keys and values.
 */

export interface SeriesInfo {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface NamespaceInfo {
  namespace: string;
  metrics: number;
  series: number;
}

export interface MetricInfo {
  name: string;
  series: number;
  /** Each dimension key with its values, sorted. */
  dimensions: Record<string, string[]>;
}

export function namespacesOf(series: readonly SeriesInfo[]): NamespaceInfo[] {
  const by = new Map<string, { metrics: Set<string>; series: number }>();
  for (const s of series) {
    const n = by.get(s.namespace) ?? { metrics: new Set<string>(), series: 0 };
    n.metrics.add(s.name);
    n.series++;
    by.set(s.namespace, n);
  }
  return [...by]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([namespace, n]) => ({ namespace, metrics: n.metrics.size, series: n.series }));
}

export function metricsOf(series: readonly SeriesInfo[]): MetricInfo[] {
  const by = new Map<string, { series: number; dimensions: Map<string, Set<string>> }>();
  for (const s of series) {
    const m = by.get(s.name) ?? { series: 0, dimensions: new Map<string, Set<string>>() };
    m.series++;
    for (const [k, v] of Object.entries(s.dimensions)) {
      const values = m.dimensions.get(k) ?? new Set<string>();
      values.add(v);
      m.dimensions.set(k, values);
    }
    by.set(s.name, m);
  }
  return [...by]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, m]) => ({
      name,
      series: m.series,
      dimensions: Object.fromEntries(
        [...m.dimensions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]),
      ),
    }));
}
