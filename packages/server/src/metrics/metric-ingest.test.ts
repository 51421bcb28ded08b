import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { toBytes } from './distribution.js';
import { BatchBuilder, FLAG_VALUES, batchOf } from './metric-batch.js';
import { MetricIndexer } from './metric-indexer.js';

const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);

for (const variant of await testDatabases()) {
  describe(`metric ingest log on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(T0 + 600_000);
    before(async () => ({ tocsin, dispose } = await createTestApp(variant.name, { clock })));
    after(() => dispose());

    const query = async (name: string, stat: string, period: number, from: number, to: number) =>
      (
        await call(
          tocsin,
          'GET',
          `/api/metrics/query?namespace=App&name=${name}&statistic=${stat}&period=${period}` +
            `&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
        )
      ).json.datapoints.map((d: { value: number | null }) => d.value);

    it('keeps standard resolution per minute and high resolution per second, as CloudWatch does', async () => {
      const at = (ms: number) => new Date(T0 + ms).toISOString();
      const res = await call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'App',
        MetricData: [
          { MetricName: 'std', Timestamp: at(1_000), Value: 1 },
          { MetricName: 'std', Timestamp: at(12_000), Value: 2 },
          { MetricName: 'hi', Timestamp: at(1_000), Value: 1, StorageResolution: 1 },
          { MetricName: 'hi', Timestamp: at(12_000), Value: 2, StorageResolution: 1 },
        ],
      });
      assert.equal(res.status, 202);
      assert.deepEqual(await query('hi', 'Sum', 10, T0, T0 + 20_000), [1, 2]);
      // Standard resolution is kept at the minute: a 10 s period sees the whole minute in its first period.
      assert.deepEqual(await query('std', 'Sum', 10, T0, T0 + 20_000), [3, null]);
      assert.deepEqual(await query('std', 'Sum', 60, T0, T0 + 60_000), [3]);
    });

    it('weighs percentiles by Counts, and leaves statistic sets out of them', async () => {
      const ts = new Date(T0 + 120_000).toISOString();
      await call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'App',
        MetricData: [
          { MetricName: 'lat', Timestamp: ts, Values: [1, 100], Counts: [9, 1] },
          {
            MetricName: 'lat',
            Timestamp: ts,
            StatisticValues: { SampleCount: 100, Sum: 100_000, Minimum: 1000, Maximum: 1000 },
          },
        ],
      });
      assert.deepEqual(await query('lat', 'p90', 60, T0 + 120_000, T0 + 180_000), [1]);
      assert.deepEqual(await query('lat', 'p91', 60, T0 + 120_000, T0 + 180_000), [100]);
      assert.deepEqual(await query('lat', 'SampleCount', 60, T0 + 120_000, T0 + 180_000), [110]);
      assert.deepEqual(await query('lat', 'Maximum', 60, T0 + 120_000, T0 + 180_000), [1000]);
    });

    it('indexes a batch left in the log (a node that stopped after answering) exactly once, by the sweep', async () => {
      await call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'App',
        MetricData: [{ MetricName: 'orphan', Timestamp: new Date(T0 + 180_000).toISOString(), Value: 1 }],
      });
      const [{ num }] = await tocsin.handle.db
        .selectFrom('metric_series')
        .select('num')
        .where('name', '=', 'orphan')
        .execute();
      const b = new BatchBuilder();
      for (let i = 0; i < 10; i++) b.push(num, T0 + 181_000 + i, 1, 5, 5, 5, FLAG_VALUES);
      // Written as another node would have, so this node's indexer does not know of it.
      await tocsin.handle.db
        .insertInto('metric_ingest')
        .values({ created_at: clock.now(), datapoints: 10, batch: toBytes(batchOf([b.view()])) })
        .execute();
      // Two indexers at once (two nodes) still fold it once.
      const other = new MetricIndexer(tocsin.handle.db, tocsin.handle.dialect, silentLogger);
      await Promise.all([other.flush(), tocsin.metricsStore.indexer.flush()]);
      assert.deepEqual(await query('orphan', 'SampleCount', 60, T0 + 180_000, T0 + 240_000), [11]);
      assert.equal((await tocsin.handle.db.selectFrom('metric_ingest').select('id').execute()).length, 0);
      await other.close();
    });

    it('is found by the sweep job without any flush asked for', async () => {
      const [{ num }] = await tocsin.handle.db
        .selectFrom('metric_series')
        .select('num')
        .where('name', '=', 'orphan')
        .execute();
      const b = new BatchBuilder();
      b.push(num, T0 + 250_000, 1, 2, 2, 2, FLAG_VALUES);
      await tocsin.handle.db
        .insertInto('metric_ingest')
        .values({ created_at: clock.now(), datapoints: 1, batch: toBytes(batchOf([b.view()])) })
        .execute();
      clock.advance(6_000);
      for (let started = await tocsin.scheduler.runDue(); started > 0; started = await tocsin.scheduler.runDue());
      const rows = await tocsin.handle.db
        .selectFrom('metric_datapoints')
        .select('count')
        .where('series_num', '=', num)
        .where('at', '=', T0 + 240_000)
        .execute();
      assert.deepEqual(
        rows.map((r) => Number(r.count)),
        [1],
      );
    });

    it('answers bad JSON and bad fields with a 400, and stores nothing of a bad batch', async () => {
      const before = await tocsin.metricsStore.list('Bad');
      const r = await call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'Bad',
        MetricData: [
          { MetricName: 'ok', Value: 1 },
          { MetricName: 'x', Value: 'high' },
        ],
      });
      assert.equal(r.status, 400);
      assert.match(r.json.error.message, /MetricData\.1\.Value/);
      assert.deepEqual(await tocsin.metricsStore.list('Bad'), before);
      const raw = await call(tocsin, 'POST', '/api/metrics', '{"Namespace":');
      assert.equal(raw.status, 400);
      assert.match(raw.json.error.message, /not valid JSON/);
    });
  });
}
