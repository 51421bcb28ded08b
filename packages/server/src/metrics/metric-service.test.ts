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
    before(async () => ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock(T0 + 600_000) })));
    after(() => dispose());

    it('stores PutMetricData values, value lists and statistic sets, and answers any statistic per period', async () => {
      const res = await call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'App',
        MetricData: [
          { MetricName: 'latency', Dimensions: [{ Name: 'Route', Value: '/' }], Timestamp: new Date(T0 + 10_000).toISOString(), Value: 10 },
          { MetricName: 'latency', Dimensions: [{ Name: 'Route', Value: '/' }], Timestamp: (T0 + 20_000) / 1000, Values: [20, 30], Counts: [1, 2] },
          { MetricName: 'latency', Dimensions: [{ Name: 'Route', Value: '/' }], Timestamp: new Date(T0 + 70_000).toISOString(), StatisticValues: { SampleCount: 4, Sum: 400, Minimum: 50, Maximum: 150 } },
        ],
      });
      assert.equal(res.status, 202);
      assert.equal(res.json.accepted, 4);
      const q = (stat: string) => call(tocsin, 'GET', `/api/metrics/query?namespace=App&name=latency&dimensions=${encodeURIComponent('{"Route":"/"}')}&statistic=${stat}&period=60&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 120_000).toISOString()}`);
      const values = async (stat: string) => (await q(stat)).json.datapoints.map((d: { value: number | null }) => d.value);
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
        resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeMetrics: [{ metrics: [{ name: 'up', gauge: { dataPoints: [{ asInt: 1 }] } }, { name: 'h', histogram: { dataPoints: [{}] } }] }] }],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { partialSuccess: { rejectedDataPoints: 1, errorMessage: 'h: only gauge and sum metrics are taken' } });
      assert.equal((await call(tocsin, 'GET', '/api/metrics?namespace=svc')).json.series.length, 1);
    });

    it('prunes datapoints older than the retention, series by series', async () => {
      const { pruneDatapoints } = await import('./metric-store.js');
      const key = { namespace: 'App', name: 'latency', dimensions: { Route: '/' } };
      assert.equal((await tocsin.metricsStore.periods(key, 'SampleCount', 60_000, T0 + 120_000, 2))[0].value, 4);
      await pruneDatapoints(tocsin.handle.db, T0 + 60_000);
      const after = await tocsin.metricsStore.periods(key, 'SampleCount', 60_000, T0 + 120_000, 2);
      assert.deepEqual(after.map((p) => p.value), [null, 4]);
    });

    it('names the field of bad input', async () => {
      const bad = async (body: unknown, pattern: RegExp) => {
        const r = await call(tocsin, 'POST', '/api/metrics', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(r.json.error.message, pattern);
      };
      await bad({ Namespace: 'App', MetricData: [{ MetricName: 'x' }] }, /MetricData\.0\.Value: give exactly one of Value, Values or StatisticValues/);
      await bad({ Namespace: 'App', MetricData: [{ MetricName: 'x', Value: 1, Timestamp: '2020-01-01T00:00:00Z' }] }, /MetricData\.0\.Timestamp: must be within the last 14 days/);
      await bad({ MetricData: [] }, /Namespace/);
    });
  });
}
