import type { MetricSink } from '../metrics/metric-sink.js';

/** A finished run's duration as the datapoint Tocsin/Heartbeats RunDuration {Heartbeat: name}. */
export function recordRunDuration(sink: MetricSink, heartbeat: string, durationMs: number, at: number): void {
  sink.record([{ namespace: 'Tocsin/Heartbeats', name: 'RunDuration', dimensions: { Heartbeat: heartbeat }, unit: 'Milliseconds', at, count: 1, sum: durationMs, min: durationMs, max: durationMs }]);
}
