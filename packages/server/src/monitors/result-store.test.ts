import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import {
  dailyRollups,
  deleteMonitorResults,
  insertChunks,
  listChunks,
  listFailures,
  listRollups,
  pruneResults,
  sumRollups,
  upsertRollups,
  type ChunkRow,
  type RollupRow,
} from './result-store.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

const chunk = (
  monitorNum: number,
  startAt: number,
  count = 1,
  bytes: number[] = [1, 0, 255],
  reasons: string | null = null,
): ChunkRow => ({ monitorNum, startAt, count, data: Buffer.from(bytes), reasons });
const rollup = (monitorNum: number, hourAt: number, over: Partial<RollupRow> = {}): RollupRow => ({
  monitorNum,
  hourAt,
  checks: 10,
  failures: 1,
  latencySum: 1000,
  latencyMax: 300,
  latencyP50: 90,
  latencyP95: 250,
  ...over,
});

for (const variant of await testDatabases()) {
  describe(`result store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());
    beforeEach(async () => {
      for (const t of ['check_chunks', 'check_failures', 'monitor_rollups'] as const)
        await handle.db.deleteFrom(t).execute();
    });

    it('keeps chunk bytes exactly, and a chunk written again replaces its count, data and reasons', async () => {
      await insertChunks(handle.db, [chunk(1, T0, 3, [0, 1, 2, 0, 255])]);
      await insertChunks(handle.db, [chunk(1, T0, 4, [9, 0, 9], '["timeout"]')]);
      const rows = await listChunks(handle.db, 1, T0, T0 + 1);
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0], {
        monitorNum: 1,
        startAt: T0,
        count: 4,
        data: Buffer.from([9, 0, 9]),
        reasons: '["timeout"]',
      });
    });

    it('writes more rows than one statement takes (400) in batches, none lost', async () => {
      const rows = Array.from({ length: 401 }, (_, i) => chunk(2, T0 + i * 1000, i + 1));
      await insertChunks(handle.db, rows);
      const read = await listChunks(handle.db, 2, T0, T0 + 401 * 1000);
      assert.equal(read.length, 401);
      assert.deepEqual(
        read.map((r) => r.count),
        rows.map((r) => r.count),
      );
    });

    it(
      'lists the chunks of one monitor that may hold results ' +
        'in [from, to): from an hour before from, to before to',
      async () => {
        const from = T0 + 10 * HOUR;
        const to = from + 2 * HOUR;
        await insertChunks(handle.db, [
          chunk(3, from - HOUR - 1),
          chunk(3, from - HOUR),
          chunk(3, from + HOUR),
          chunk(3, to - 1),
          chunk(3, to),
          chunk(4, from),
        ]);
        const starts = (await listChunks(handle.db, 3, from, to)).map((r) => r.startAt);
        assert.deepEqual(starts, [from - HOUR, from + HOUR, to - 1]);
      },
    );

    it(
      'merges an hour written twice: sums add, the max is ' + 'the larger, percentiles come from the larger part',
      async () => {
        await upsertRollups(handle.db, [
          rollup(5, T0, {
            checks: 10,
            failures: 1,
            latencySum: 1000,
            latencyMax: 300,
            latencyP50: 90,
            latencyP95: 250,
          }),
        ]);
        await upsertRollups(handle.db, [
          rollup(5, T0, {
            checks: 30,
            failures: 2,
            latencySum: 4000,
            latencyMax: 200,
            latencyP50: 120,
            latencyP95: 180,
          }),
        ]);
        await upsertRollups(handle.db, [
          rollup(5, T0, { checks: 30, failures: 0, latencySum: 10, latencyMax: 500, latencyP50: 1, latencyP95: 2 }),
        ]);
        const [r] = await listRollups(handle.db, 5, T0, T0 + HOUR);
        // The third part (30 checks) is not larger than the 40 already there: percentiles stay the second part's.
        assert.deepEqual(r, {
          monitorNum: 5,
          hourAt: T0,
          checks: 70,
          failures: 3,
          latencySum: 5010,
          latencyMax: 500,
          latencyP50: 120,
          latencyP95: 180,
        });
      },
    );

    it(
      'lists rollups in [from, to) in hour order, and sums ' + 'checks and failures per monitor from an hour on',
      async () => {
        await upsertRollups(handle.db, [
          rollup(6, T0 + 2 * HOUR, { checks: 5, failures: 2 }),
          rollup(6, T0, { checks: 7, failures: 0 }),
          rollup(6, T0 + HOUR, { checks: 3, failures: 3 }),
          rollup(7, T0 + 2 * HOUR, { checks: 11, failures: 4 }),
          rollup(7, T0 - HOUR, { checks: 100, failures: 100 }),
        ]);
        assert.deepEqual(
          (await listRollups(handle.db, 6, T0, T0 + 2 * HOUR)).map((r) => r.hourAt),
          [T0, T0 + HOUR],
        );
        const sums = await sumRollups(handle.db, T0);
        assert.deepEqual(
          [...sums].sort((a, b) => a[0] - b[0]),
          [
            [6, { checks: 15, failures: 5 }],
            [7, { checks: 11, failures: 4 }],
          ],
        );
        assert.equal(typeof sums.get(6)!.checks, 'number');
      },
    );

    it('lists old failure rows newest first within [from, to), up to the limit', async () => {
      await handle.db
        .insertInto('check_failures')
        .values([
          { monitor_num: 8, at: T0 - 1, reason: 'before', status_code: null },
          { monitor_num: 8, at: T0, reason: 'first', status_code: 500 },
          { monitor_num: 8, at: T0 + 5, reason: 'second', status_code: null },
          { monitor_num: 8, at: T0 + 9, reason: 'third', status_code: 503 },
          { monitor_num: 8, at: T0 + 10, reason: 'at to', status_code: null },
          { monitor_num: 9, at: T0 + 5, reason: 'other monitor', status_code: null },
        ])
        .execute();
      const rows = await listFailures(handle.db, 8, T0, T0 + 10, 2);
      assert.deepEqual(rows, [
        { monitorNum: 8, at: T0 + 9, reason: 'third', statusCode: 503 },
        { monitorNum: 8, at: T0 + 5, reason: 'second', statusCode: null },
      ]);
      assert.deepEqual(
        (await listFailures(handle.db, 8, T0, T0 + 10, 10)).map((r) => r.reason),
        ['third', 'second', 'first'],
      );
    });

    it('sums rollups per UTC day for the monitors asked, from a time on', async () => {
      const D = 24 * HOUR;
      const day0 = T0 + 100 * D;
      await upsertRollups(handle.db, [
        rollup(21, day0 - HOUR),
        rollup(21, day0),
        rollup(21, day0 + 23 * HOUR, { checks: 5, failures: 0 }),
        rollup(21, day0 + D, { checks: 7, failures: 2 }),
        rollup(22, day0, { checks: 3, failures: 3 }),
        rollup(23, day0),
      ]);
      const rows = await dailyRollups(handle.db, [21, 22], day0);
      const key = (r: { monitorNum: number; dayAt: number }) => r.monitorNum * 1e15 + r.dayAt;
      assert.deepEqual(
        rows.sort((a, b) => key(a) - key(b)),
        [
          { monitorNum: 21, dayAt: day0, checks: 15, failures: 1 },
          { monitorNum: 21, dayAt: day0 + D, checks: 7, failures: 2 },
          { monitorNum: 22, dayAt: day0, checks: 3, failures: 3 },
        ],
      );
      assert.deepEqual(await dailyRollups(handle.db, [], day0), []);
    });

    it('prunes raw results strictly before one cut-off and rollups strictly before another', async () => {
      const raw = T0 + 10 * HOUR;
      const roll = T0 + 5 * HOUR;
      await insertChunks(handle.db, [chunk(1, raw - 1), chunk(1, raw)]);
      await handle.db
        .insertInto('check_failures')
        .values([
          { monitor_num: 1, at: raw - 1, reason: 'old', status_code: null },
          { monitor_num: 1, at: raw, reason: 'kept', status_code: null },
        ])
        .execute();
      await upsertRollups(handle.db, [rollup(1, roll - HOUR), rollup(1, roll), rollup(1, raw - HOUR)]);
      await pruneResults(handle.db, raw, roll);
      assert.deepEqual(
        (await listChunks(handle.db, 1, 0, raw + 1)).map((r) => r.startAt),
        [raw],
      );
      assert.deepEqual(
        (await listFailures(handle.db, 1, 0, raw + 1, 10)).map((r) => r.reason),
        ['kept'],
      );
      assert.deepEqual(
        (await listRollups(handle.db, 1, 0, raw)).map((r) => r.hourAt),
        [roll, raw - HOUR],
      );
    });

    it('deletes the results of one monitor only', async () => {
      await insertChunks(handle.db, [chunk(1, T0), chunk(2, T0)]);
      await handle.db
        .insertInto('check_failures')
        .values([
          { monitor_num: 1, at: T0, reason: 'a', status_code: null },
          { monitor_num: 2, at: T0, reason: 'b', status_code: null },
        ])
        .execute();
      await upsertRollups(handle.db, [rollup(1, T0), rollup(2, T0)]);
      await deleteMonitorResults(handle.db, 1);
      assert.equal((await listChunks(handle.db, 1, T0, T0 + 1)).length, 0);
      assert.equal((await listFailures(handle.db, 1, T0, T0 + 1, 10)).length, 0);
      assert.equal((await listRollups(handle.db, 1, T0, T0 + 1)).length, 0);
      assert.equal((await listChunks(handle.db, 2, T0, T0 + 1)).length, 1);
      assert.equal((await listFailures(handle.db, 2, T0, T0 + 1, 10)).length, 1);
      assert.deepEqual([...(await sumRollups(handle.db, T0)).keys()], [2]);
    });
  });
}
