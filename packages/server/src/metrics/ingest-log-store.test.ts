import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { appendBatch, foldBatches, type LogHead } from './ingest-log-store.js';
import { BatchBuilder, FLAG_VALUES, batchOf } from './metric-batch.js';
import { listDatapoints, listSeries } from './metric-store.js';

const T0 = Date.UTC(2026, 11, 1);

/** A log batch of `n` single values 5 of series `num`, a second apart from `at`. */
function batch(num: number, at: number, n: number): Float64Array {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.push(num, at + i * 1000, 1, 5, 5, 5, FLAG_VALUES);
  return batchOf([b.view()]);
}

for (const variant of await testDatabases()) {
  describe(`ingest log store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    const logRows = async () =>
      (await handle.db.selectFrom('metric_ingest').select(['id', 'datapoints']).orderBy('id').execute()).map((r) =>
        Number(r.datapoints),
      );
    const series = (name: string) => ({ namespace: 'App', name, dimensions: '{}', unit: null });

    it('makes new series once, hands their numbers in order to build, and appends what it builds', async () => {
      let seen: readonly number[] = [];
      const first = await appendBatch(handle.db, [series('a'), series('b')], T0, (nums) => {
        seen = nums;
        return { datapoints: 3, batch: batch(nums[0], T0, 3) };
      });
      assert.deepEqual(seen, first.nums);
      assert.equal(new Set(first.nums).size, 2);
      const again = await appendBatch(handle.db, [series('b'), series('a')], T0, () => undefined);
      assert.deepEqual(again.nums, [first.nums[1], first.nums[0]], 'an existing series keeps its number');
      assert.equal(again.logId, undefined);
      assert.deepEqual(await logRows(), [3], 'nothing appended when build returns nothing');
      assert.deepEqual(
        (await listSeries(handle.db, 'App')).map((s) => s.name),
        ['a', 'b'],
      );
    });

    it('keeps neither the series nor the row when build fails', async () => {
      await assert.rejects(
        appendBatch(handle.db, [series('c')], T0, () => {
          throw new Error('bad batch');
        }),
        /bad batch/,
      );
      assert.deepEqual(
        (await listSeries(handle.db, 'App')).map((s) => s.name),
        ['a', 'b'],
      );
      assert.deepEqual(await logRows(), [3]);
    });

    it('folds the rows a fold picks, oldest first, and leaves the rest in the log', async () => {
      const [num] = (await listSeries(handle.db, 'App')).map((s) => s.num);
      const second = batch(num, T0 + 60_000, 2);
      await appendBatch(handle.db, [], T0, () => ({ datapoints: 2, batch: second }));
      await appendBatch(handle.db, [], T0, () => ({ datapoints: 4, batch: batch(num, T0 + 120_000, 4) }));
      let heads: LogHead[] = [];
      const r = await foldBatches(handle.db, handle.dialect, 2, async (h, read) => {
        heads = h;
        const batches = await read([h[1].id]);
        assert.deepEqual(batches, [second], 'read gives back the batch as appended');
        return {
          ids: h.map((x) => x.id),
          rows: [{ seriesNum: num, at: T0, count: 5, sum: 25, min: 5, max: 5, detail: null }],
        };
      });
      assert.deepEqual(
        heads.map((h) => h.datapoints),
        [3, 2],
        'the oldest rows, as many as the limit',
      );
      assert.ok(heads[0].id < heads[1].id);
      assert.deepEqual(r, { claimed: 2, ids: heads.map((h) => h.id) });
      assert.deepEqual(await logRows(), [4]);
      assert.deepEqual(
        (await listDatapoints(handle.db, T0, T0 + 1)).map((d) => [d.seriesNum, d.count, d.sum]),
        [[num, 5, 25]],
      );
    });

    it('rolls a failed fold back: its rows stay in the log and no datapoint is stored', async () => {
      await assert.rejects(
        foldBatches(handle.db, handle.dialect, 10, async (h) => {
          assert.equal(h.length, 1);
          throw new Error('fold failed');
        }),
        /fold failed/,
      );
      assert.deepEqual(await logRows(), [4]);
      assert.equal((await listDatapoints(handle.db, T0 + 120_000, T0 + 180_000)).length, 0);
      const left = Number((await handle.db.selectFrom('metric_ingest').select('id').executeTakeFirstOrThrow()).id);
      const retry = await foldBatches(handle.db, handle.dialect, 10, async (h) => ({
        ids: h.map((x) => x.id),
        rows: [],
      }));
      assert.deepEqual(retry, { claimed: 1, ids: [left] }, 'the next fold takes the row again');
      assert.deepEqual(
        await foldBatches(handle.db, handle.dialect, 10, async () => assert.fail('an empty log calls no fold')),
        { claimed: 0, ids: [] },
      );
    });

    it('lets a second fold claim nothing of the rows a running fold holds', async () => {
      await appendBatch(handle.db, [], T0, () => ({ datapoints: 1, batch: batch(1, T0, 1) }));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inFirst = new Promise<void>((r) => (entered = r));
      const first = foldBatches(handle.db, handle.dialect, 10, async (h) => {
        entered();
        await gate;
        return { ids: h.map((x) => x.id), rows: [] };
      });
      await inFirst;
      const second = foldBatches(handle.db, handle.dialect, 10, async (h) => ({ ids: h.map((x) => x.id), rows: [] }));
      // PostgreSQL skips the locked rows at once; SQLite's one writer waits for the first fold to commit.
      if (handle.dialect === 'postgres') assert.deepEqual(await second, { claimed: 0, ids: [] });
      release();
      assert.equal((await first).claimed, 1);
      assert.deepEqual(await second, { claimed: 0, ids: [] });
      assert.deepEqual(await logRows(), []);
    });
  });
}
