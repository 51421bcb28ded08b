import type { MetricSink } from '../metrics/metric-sink.js';

/** A finished run's duration as the datapoint Tocsin/Heartbeats RunDuration {Heartbeat: name}. */
export function recordRunDuration(sink: MetricSink, heartbeat: string, durationMs: number, at: number): void {
  const ms = durationMs;
  const dimensions = { Heartbeat: heartbeat };
  const stats = { count: 1, sum: ms, min: ms, max: ms };
  sink.record([
    { namespace: 'Tocsin/Heartbeats', name: 'RunDuration', dimensions, unit: 'Milliseconds', at, ...stats },
  ]);
}
