import type { MetricSink } from '../metrics/metric-sink.js';
import type { SeriesDatum } from '../metrics/metric-service.js';

const NAMESPACE = 'Tocsin/Monitors';

/** The statistics of a single value. */
function one(v: number) {
  return { count: 1, sum: v, min: v, max: v };
}

/**
 * A check result as the datapoints Tocsin/Monitors ResponseTime and Up
 * {Monitor: name}, only for the series an alarm watches: a datapoint costs
 * more than a packed result.
 */
export function recordCheckDatapoints(
  sink: MetricSink,
  name: string,
  up: boolean,
  latencyMs: number,
  at: number,
): void {
  const dims = { Monitor: name };
  const data: SeriesDatum[] = [];
  if (sink.watches(NAMESPACE, 'ResponseTime', dims)) {
    data.push({
      namespace: NAMESPACE,
      name: 'ResponseTime',
      dimensions: dims,
      unit: 'Milliseconds',
      at,
      ...one(latencyMs),
    });
  }
  if (sink.watches(NAMESPACE, 'Up', dims)) {
    data.push({ namespace: NAMESPACE, name: 'Up', dimensions: dims, at, ...one(up ? 1 : 0) });
  }
  sink.record(data);
}
