/** The metric reads the metrics explorer and the alarm pages share: GET /api/metrics/query as chart data. */
import { api } from '../core/api-client.js';

export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

export interface MetricQuery extends MetricRef {
  statistic: string;
  /** Seconds. */
  period: number;
  /** Epoch ms. */
  from: number;
  to: number;
}

export const statistics = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount', 'p50', 'p90', 'p99', 'p99.9'];

export const periods = [
  { value: 10, label: '10 s' },
  { value: 60, label: '1 min' },
  { value: 300, label: '5 min' },
  { value: 900, label: '15 min' },
  { value: 3600, label: '1 h' },
];

export const ranges = [
  { value: 3_600_000, label: 'Last hour' },
  { value: 6 * 3_600_000, label: 'Last 6 hours' },
  { value: 86_400_000, label: 'Last 24 hours' },
  { value: 7 * 86_400_000, label: 'Last 7 days' },
];

/** The chart's aligned data: x in epoch seconds, the statistic per period (null where no datapoint). */
export async function queryMetric(q: MetricQuery, signal?: AbortSignal): Promise<[number[], (number | null)[]]> {
  const periodMs = q.period * 1000;
  // The range in whole periods, at most the API's 10,000.
  const to = Math.ceil(q.to / periodMs) * periodMs;
  const from = Math.max(Math.floor(q.from / periodMs) * periodMs, to - 10_000 * periodMs);
  const params = new URLSearchParams({
    namespace: q.namespace,
    name: q.metricName,
    dimensions: JSON.stringify(q.dimensions),
    statistic: q.statistic,
    period: String(q.period),
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  const { datapoints } = await api.get<{ datapoints: { time: string; value: number | null }[] }>(
    `/api/metrics/query?${params}`,
    { signal },
  );
  return [datapoints.map((d) => Date.parse(d.time) / 1000), datapoints.map((d) => d.value ?? null)];
}

/** The query string of the alarm form pre-filled with this metric (from the explorer's "create an alarm"). */
export function alarmFormHref(q: Omit<MetricQuery, 'from' | 'to'>): string {
  const params = new URLSearchParams({
    new: 'metric',
    namespace: q.namespace,
    metricName: q.metricName,
    dimensions: JSON.stringify(q.dimensions),
    statistic: q.statistic,
    period: `${q.period}s`,
  });
  return `/alarms?${params}`;
}
