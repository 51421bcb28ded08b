import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { Distribution } from './distribution.js';
import { ensureSeries } from './metric-store.js';
import { listRollups, pruneRollups, readRollupMark, writeRollups, type RollupRow } from './rollup-store.js';

const T0 = Date.UTC(2026, 11, 1);
const MINUTE = 60_000;

function rollup(seriesNum: number, at: number, values: number[]): RollupRow {
  const dist = new Distribution();
  for (const v of values) dist.add(v);
  return {
    seriesNum,
    at,
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    dist,
  };
}

const plain = (rows: RollupRow[]) =>
  rows.map((r) => ({
    at: r.at - T0,
    count: r.count,
    sum: r.sum,
    min: r.min,
    max: r.max,
    p50: Math.round(r.dist.quantile(50)!),
  }));

for (const variant of await testDatabases()) {
  describe(`rollup store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    let a: number;
    let b: number;
    before(async () => {
      ({ handle, dispose } = await variant.create());
      a = await ensureSeries(handle.db, { namespace: 'App', name: 'a', dimensions: '{}' }, null, T0);
      b = await ensureSeries(handle.db, { namespace: 'App', name: 'b', dimensions: '{}' }, null, T0);
    });
    after(() => dispose());

    it('has no watermark before the first run, then the one each write sets', async () => {
      assert.equal(await readRollupMark(handle.db), undefined);
      await writeRollups(
        handle.db,
        [rollup(a, T0 + MINUTE, [1, 2, 3]), rollup(a, T0, [10]), rollup(b, T0, [7, 7])],
        T0 + 2 * MINUTE,
      );
      assert.equal(await readRollupMark(handle.db), T0 + 2 * MINUTE);
      await writeRollups(handle.db, [], T0 + 3 * MINUTE);
      assert.equal(await readRollupMark(handle.db), T0 + 3 * MINUTE);
    });

    it('lists one series in [from, to), oldest first, with its sketch', async () => {
      assert.deepEqual(plain(await listRollups(handle.db, a, T0, T0 + 2 * MINUTE)), [
        { at: 0, count: 1, sum: 10, min: 10, max: 10, p50: 10 },
        { at: MINUTE, count: 3, sum: 6, min: 1, max: 3, p50: 2 },
      ]);
      assert.deepEqual(
        plain(await listRollups(handle.db, a, T0, T0 + MINUTE)).map((r) => r.at),
        [0],
        'the end is left out',
      );
      assert.deepEqual(
        plain(await listRollups(handle.db, b, T0, T0 + 2 * MINUTE)).map((r) => r.sum),
        [14],
      );
    });

    it('replaces a minute written again, in more rows than one insert takes', async () => {
      const many = Array.from({ length: 450 }, (_, i) => rollup(b, T0 + (i + 1) * MINUTE, [i]));
      await writeRollups(handle.db, [rollup(a, T0, [4, 4]), ...many], T0 + 4 * MINUTE);
      assert.deepEqual(plain(await listRollups(handle.db, a, T0, T0 + MINUTE)), [
        { at: 0, count: 2, sum: 8, min: 4, max: 4, p50: 4 },
      ]);
      const listed = await listRollups(handle.db, b, T0, T0 + 500 * MINUTE);
      assert.equal(listed.length, 451);
      assert.equal(listed[450].sum, 449);
    });

    it('keeps no rollup when the write fails after its first insert, nor moves the watermark', async () => {
      const good = Array.from({ length: 250 }, (_, i) => rollup(a, T0 + (9 + i) * MINUTE, [1]));
      const bad = { ...rollup(a, T0 - MINUTE, [1]), count: null as unknown as number };
      await assert.rejects(writeRollups(handle.db, [...good, bad], T0 + 10 * MINUTE));
      assert.equal(await readRollupMark(handle.db), T0 + 4 * MINUTE);
      assert.equal((await listRollups(handle.db, a, T0 + 9 * MINUTE, T0 + 300 * MINUTE)).length, 0);
    });

    it("prunes every series' rollups before a time, and nothing after it", async () => {
      await pruneRollups(handle.db, T0 + MINUTE + 1);
      assert.deepEqual(
        plain(await listRollups(handle.db, a, T0, T0 + 9 * MINUTE)).map((r) => r.at),
        [],
      );
      const left = await listRollups(handle.db, b, T0, T0 + 500 * MINUTE);
      assert.deepEqual([left.length, left[0].at - T0], [449, 2 * MINUTE]);
    });
  });
}
