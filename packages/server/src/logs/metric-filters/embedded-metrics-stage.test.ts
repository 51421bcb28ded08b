import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../core/clock.js';
import { call } from '../../test-support/test-app.js';
import { testDatabases } from '../../test-support/test-databases.js';
import { createLogMetricsApp, type LogMetricsApp } from '../../test-support/log-metrics-test-kit.js';

const run = promisify(execFile);
const emfEntry = createRequire(import.meta.url).resolve('aws-embedded-metrics');

/** A Lambda-shaped handler using the real aws-embedded-metrics, run in a child process that writes EMF to stdout. */
const script = `
import emf from ${JSON.stringify(pathToFileURL(emfEntry).href)};
const { metricScope, Unit, StorageResolution } = emf;
const handler = metricScope((metrics) => async (i) => {
  metrics.setNamespace('Checkout');
  metrics.setDimensions({ Service: 'cart' });
  metrics.putMetric('Latency', 100 + i, Unit.Milliseconds, StorageResolution.High);
  metrics.putMetric('Orders', 1, Unit.Count);
  metrics.setProperty('RequestId', 'r' + i);
});
for (let i = 0; i < 5; i++) await handler(i);
`;

/** The lines the package printed, as a function's log would hold them. */
async function emfLines(): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-emf-'));
  try {
    const file = path.join(dir, 'handler.mjs');
    writeFileSync(file, script);
    const { stdout } = await run(process.execPath, [file], {
      env: { PATH: process.env.PATH, AWS_EMF_ENVIRONMENT: 'Local', AWS_EMF_SERVICE_NAME: 'cart-fn' },
      timeout: 20_000,
    });
    return stdout.split('\n').filter((l) => l.trim() !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const variant of await testDatabases()) {
  describe(`embedded metrics and metric filters, stored, on ${variant.name}`, () => {
    let app: LogMetricsApp;
    let clock: FakeClock;
    let lines: string[];
    before(async () => {
      lines = await emfLines();
      // EMF stamps lines with the real time; the fake clock starts there so that they are within 14 days.
      clock = new FakeClock(Date.now());
      app = await createLogMetricsApp(variant.name, clock);
    });
    after(() => app.dispose());

    const query = async (name: string, statistic: string, period: number, from: number, to: number) => {
      const q = new URLSearchParams({
        namespace: 'Checkout',
        name,
        dimensions: JSON.stringify({ Service: 'cart' }),
        statistic,
        period: String(period),
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      });
      const res = await call(app.tocsin, 'GET', `/api/metrics/query?${q}`);
      assert.equal(res.status, 200, res.text);
      return res.json.datapoints as { time: string; value: number | null }[];
    };

    it('turns the lines of the real aws-embedded-metrics into datapoints, and keeps them as log lines', async () => {
      assert.equal(lines.length, 5);
      const stamps = lines.map((l) => JSON.parse(l)._aws.Timestamp as number);
      app.catalog.set([
        {
          kind: 'metric_filter',
          name: 'requests',
          pattern: '{ $.RequestId = * }',
          namespace: 'App',
          metricName: 'Req',
        },
      ]);
      app.ingest([...lines, 'plain line', '{"_aws": {"CloudWatchMetrics": "nope"}, "x": 1}'], { source: 'cart-fn' });
      clock.advance(1_000);
      await app.settle();
      const minute = Math.floor(Math.min(...stamps) / 60_000) * 60_000;
      const [count] = await query('Latency', 'SampleCount', 60, minute, minute + 60_000);
      assert.equal(count.value, 5);
      const [sum] = await query('Latency', 'Sum', 60, minute, minute + 60_000);
      assert.equal(sum.value, 510);
      const [p50] = await query('Latency', 'p50', 60, minute, minute + 60_000);
      assert.equal(p50.value, 102);
      const [orders] = await query('Orders', 'Sum', 60, minute, minute + 60_000);
      assert.equal(orders.value, 5);
      // StorageResolution 1: Latency is kept per second, at the seconds the lines were stamped.
      const first = Math.floor(Math.min(...stamps) / 1000) * 1000;
      const last = Math.floor(Math.max(...stamps) / 1000) * 1000 + 1000;
      // (The API's periods start at 10 s: the service's reader serves 1 s periods to alarms.)
      const key = { namespace: 'Checkout', name: 'Latency', dimensions: { Service: 'cart' } };
      const periods = await app.tocsin.metricsStore.periods(key, 'SampleCount', 1000, last, (last - first) / 1000);
      const seconds = [...new Set(stamps.map((s) => Math.floor(s / 1000) * 1000))];
      assert.deepEqual(
        periods.filter((d) => d.value !== null).map((d) => d.start),
        seconds,
      );
      assert.equal(app.appender.events.length, 7, 'every line stays a log line');
      const status = app.module.statusParts.find((p) => p.name === 'embedded-metrics')!.status();
      assert.equal(status.lines, 6);
      assert.equal(status.datapoints, 10);
      assert.equal(status.rejected, 1);
      const [rejection] = status.lastRejections as { path: string; source: string }[];
      assert.deepEqual([rejection.path, rejection.source], ['_aws.CloudWatchMetrics', 'cart-fn']);
      // The metric filter over the same lines, read back through the metric API.
      const q = new URLSearchParams({
        namespace: 'App',
        name: 'Req',
        statistic: 'Sum',
        period: '60',
        from: new Date(minute).toISOString(),
        to: new Date(minute + 60_000).toISOString(),
      });
      const req = await call(app.tocsin, 'GET', `/api/metrics/query?${q}`);
      assert.equal(req.json.datapoints[0].value, 5, req.text);
    });
  });
}
