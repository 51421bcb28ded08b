import type { Tocsin } from '../app.js';
import type { FakeClock } from '../core/clock.js';
import { call } from './test-app.js';

/**
 * One minute of an alarm test: puts one datapoint per metric (namespace
 * App, now), moves the fake clock a minute, runs every due job until none
 * starts, and lets the outbox send what that queued.
 */
export async function alarmMinute(tocsin: Tocsin, clock: FakeClock, values: Record<string, number>): Promise<void> {
  await call(tocsin, 'POST', '/api/metrics', {
    Namespace: 'App',
    MetricData: Object.entries(values).map(([MetricName, Value]) => ({ MetricName, Value })),
  });
  await tocsin.metricsStore.drain();
  clock.advance(60_000);
  for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
  await tocsin.outbox.runOnce();
}
