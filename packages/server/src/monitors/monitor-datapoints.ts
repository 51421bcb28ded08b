import type { MetricSink } from '../metrics/metric-sink.js';
import type { SeriesDatum } from '../metrics/metric-service.js';

const NAMESPACE = 'Tocsin/Monitors';

/**
 * A check result as the datapoints Tocsin/Monitors ResponseTime and Up
 * {Monitor: name}, only for the series an alarm watches: a datapoint costs
 * more than a packed result.
 */
export function recordCheckDatapoints(sink: MetricSink, name: string, up: boolean, latencyMs: number, at: number): void {
  const dims = { Monitor: name };
  const data: SeriesDatum[] = [];
  if (sink.watches(NAMESPACE, 'ResponseTime', dims)) {
    data.push({ namespace: NAMESPACE, name: 'ResponseTime', dimensions: dims, unit: 'Milliseconds', at, count: 1, sum: latencyMs, min: latencyMs, max: latencyMs });
  }
  if (sink.watches(NAMESPACE, 'Up', dims)) {
    const v = up ? 1 : 0;
    data.push({ namespace: NAMESPACE, name: 'Up', dimensions: dims, at, count: 1, sum: v, min: v, max: v });
  }
  sink.record(data);
}
