import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

for (const variant of await testDatabases()) {
  describe(`metrics on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(T0 + 600_000);
    before(async () => ({ tocsin, dispose } = await createTestApp(variant.name, { clock })));
    after(() => dispose());

    it('stores PutMetricData values, value lists and statistic sets; answers any statistic per period', async () => {
      const res = await call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'App',
        MetricData: [
          {
            MetricName: 'latency',
            Dimensions: [{ Name: 'Route', Value: '/' }],
            Timestamp: new Date(T0 + 10_000).toISOString(),
            Value: 10,
          },
          {
            MetricName: 'latency',
            Dimensions: [{ Name: 'Route', Value: '/' }],
            Timestamp: (T0 + 20_000) / 1000,
            Values: [20, 30],
            Counts: [1, 2],
          },
          {
            MetricName: 'latency',
            Dimensions: [{ Name: 'Route', Value: '/' }],
            Timestamp: new Date(T0 + 70_000).toISOString(),
            StatisticValues: { SampleCount: 4, Sum: 400, Minimum: 50, Maximum: 150 },
          },
        ],
      });
      assert.equal(res.status, 202);
      assert.equal(res.json.accepted, 4);
      const q = (stat: string) =>
        call(
          tocsin,
          'GET',
          `/api/metrics/query?namespace=App&name=latency&dimensions=${encodeURIComponent('{"Route":"/"}')}` +
            `&statistic=${stat}&period=60` +
            `&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 120_000).toISOString()}`,
        );
      const values = async (stat: string) =>
        (await q(stat)).json.datapoints.map((d: { value: number | null }) => d.value);
      assert.deepEqual(await values('SampleCount'), [4, 4]);
      assert.deepEqual(await values('Sum'), [90, 400]);
      assert.deepEqual(await values('Average'), [22.5, 100]);
      assert.deepEqual(await values('Minimum'), [10, 50]);
      assert.deepEqual(await values('Maximum'), [30, 150]);
      const series = (await call(tocsin, 'GET', '/api/metrics?namespace=App')).json.series;
      assert.deepEqual(series, [{ namespace: 'App', name: 'latency', dimensions: { Route: '/' }, unit: null }]);
    });

    it('takes OTLP JSON and answers a partial success for what it cannot take', async () => {
      const res = await call(tocsin, 'POST', '/v1/metrics', {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
            scopeMetrics: [
              {
                metrics: [
                  { name: 'up', gauge: { dataPoints: [{ asInt: 1 }] } },
                  { name: 'h', summary: { dataPoints: [{}] } },
                ],
              },
            ],
          },
        ],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {
        partialSuccess: { rejectedDataPoints: 1, errorMessage: 'h: summaries are not taken; send a histogram' },
      });
      assert.equal((await call(tocsin, 'GET', '/api/metrics?namespace=svc')).json.series.length, 1);
    });

    it('gives each new series of a batch one number, though several requests of the batch name it', async () => {
      const at = T0 + 300_000;
      const d = (name: string, v: number) => ({
        namespace: 'Batch',
        name,
        dimensions: {},
        at,
        count: 1,
        sum: v,
        min: v,
        max: v,
      });
      // One turn of the event loop: the three go in one batch, none of their series known yet.
      tocsin.metricsStore.record([d('s1', 1), d('s2', 10)]);
      tocsin.metricsStore.record([d('s2', 20), d('s3', 5), d('s2', 40)]);
      tocsin.metricsStore.record([d('s1', 2)]);
      await tocsin.metricsStore.drain();
      const sum = async (name: string) =>
        (
          await tocsin.metricsStore.periods({ namespace: 'Batch', name, dimensions: {} }, 'Sum', 60_000, at + 60_000, 1)
        )[0].value;
      assert.deepEqual([await sum('s1'), await sum('s2'), await sum('s3')], [3, 70, 5]);
      assert.deepEqual(
        (await tocsin.metricsStore.list('Batch')).map((s) => s.name),
        ['s1', 's2', 's3'],
      );
    });

    it('prunes datapoints older than the retention, series by series', async () => {
      const { pruneDatapoints } = await import('./metric-store.js');
      const key = { namespace: 'App', name: 'latency', dimensions: { Route: '/' } };
      assert.equal((await tocsin.metricsStore.periods(key, 'SampleCount', 60_000, T0 + 120_000, 2))[0].value, 4);
      await pruneDatapoints(tocsin.handle.db, T0 + 60_000);
      const after = await tocsin.metricsStore.periods(key, 'SampleCount', 60_000, T0 + 120_000, 2);
      assert.deepEqual(
        after.map((p) => p.value),
        [null, 4],
      );
    });

    it('rolls datapoints up per minute before they expire, and answers old ranges from the rollups', async () => {
      const { rollUp } = await import('./metric-rollups.js');
      const { pruneDatapoints } = await import('./metric-store.js');
      const start = T0 + 600_000;
      tocsin.metricsStore.record(
        Array.from({ length: 100 }, (_, i) => ({
          namespace: 'Old',
          name: 'v',
          dimensions: {},
          at: start + i * 600,
          count: 1,
          sum: i + 1,
          min: i + 1,
          max: i + 1,
        })),
      );
      await tocsin.metricsStore.drain();
      clock.set(start + 14 * 86_400_000 + 12 * 60_000);
      // The first run sets the watermark a minute back; walk it to the start of the data as a running server would
      // have.
      await tocsin.handle.db
        .insertInto('kv')
        .values({ key: 'metric_rollup_until', value: String(start - 60_000) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(start - 60_000) }))
        .execute();
      await rollUp(tocsin.handle.db, clock.now());
      await pruneDatapoints(tocsin.handle.db, clock.now());
      const key = { namespace: 'Old', name: 'v', dimensions: {} };
      const [count] = await tocsin.metricsStore.periods(key, 'SampleCount', 60_000, start + 60_000, 1);
      assert.equal(count.value, 100, 'from the rollup, the raw datapoints being gone');
      const [avg] = await tocsin.metricsStore.periods(key, 'Average', 60_000, start + 60_000, 1);
      assert.equal(avg.value, 50.5);
      const [p90] = await tocsin.metricsStore.periods(key, 'p90', 60_000, start + 60_000, 1);
      assert.ok(Math.abs(p90.value! - 90) / 90 < 0.01, `p90 ${p90.value}`);
    });

    it('names the field of bad input', async () => {
      const bad = async (body: unknown, pattern: RegExp) => {
        const r = await call(tocsin, 'POST', '/api/metrics', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.json.error.message, pattern);
      };
      await bad(
        { Namespace: 'App', MetricData: [{ MetricName: 'x' }] },
        /MetricData\.0\.Value: give exactly one of Value, Values or StatisticValues/,
      );
      await bad(
        { Namespace: 'App', MetricData: [{ MetricName: 'x', Value: 1, Timestamp: '2020-01-01T00:00:00Z' }] },
        /MetricData\.0\.Timestamp: must be within the last 14 days/,
      );
      await bad({ MetricData: [] }, /Namespace/);
    });
  });
}
