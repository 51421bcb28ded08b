import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { Distribution } from './distribution.js';
import { ensureSeries, findSeries, insertDatapoints, listDatapoints } from './metric-store.js';

const T0 = Date.UTC(2026, 11, 1);

for (const variant of await testDatabases()) {
  describe(`metric store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    it('gives a series one number, made once', async () => {
      const key = { namespace: 'App', name: 'a', dimensions: '{"Host":"h1"}' };
      assert.equal(await findSeries(handle.db, key), undefined);
      const num = await ensureSeries(handle.db, key, 'Count', T0);
      assert.equal(await ensureSeries(handle.db, key, null, T0 + 1), num);
      assert.equal(await findSeries(handle.db, key), num);
      assert.equal(await findSeries(handle.db, { ...key, dimensions: '{}' }), undefined);
    });

    it("lists every series' rows in [from, to), each with its distribution", async () => {
      const a = await ensureSeries(handle.db, { namespace: 'App', name: 'a', dimensions: '{}' }, null, T0);
      const b = await ensureSeries(handle.db, { namespace: 'App', name: 'b', dimensions: '{}' }, null, T0);
      const dist = new Distribution();
      dist.add(3, 2);
      await insertDatapoints(handle.db, [
        { seriesNum: a, at: T0 - 1, count: 1, sum: 1, min: 1, max: 1, detail: null },
        { seriesNum: a, at: T0, count: 2, sum: 6, min: 3, max: 3, detail: dist.encode() },
        { seriesNum: b, at: T0 + 59_999, count: 1, sum: 9, min: 9, max: 9, detail: null },
        { seriesNum: b, at: T0 + 60_000, count: 1, sum: 4, min: 4, max: 4, detail: null },
      ]);
      const rows = (await listDatapoints(handle.db, T0, T0 + 60_000)).sort((x, y) => x.at - y.at);
      assert.deepEqual(
        rows.map((r) => [r.seriesNum, r.at - T0, r.count, r.sum, r.min, r.max]),
        [
          [a, 0, 2, 6, 3, 3],
          [b, 59_999, 1, 9, 9, 9],
        ],
      );
      assert.equal(rows[0].dist?.quantile(50), 3);
      assert.equal(rows[1].dist, undefined);
    });
  });
}
