import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import {
  deleteMonitorChanges,
  insertMonitorChanges,
  listMonitorChanges,
  pruneMonitorChanges,
  type MonitorChange,
} from './monitor-change-store.js';

const T0 = Date.UTC(2026, 5, 1, 12);
const change = (monitorNum: number, at: number, from: string, to: string, reason: string | null = null) =>
  ({ monitorNum, at, from, to, reason, statusCode: null, latencyMs: null }) satisfies MonitorChange;

for (const variant of await testDatabases()) {
  describe(`monitor change store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    it('writes a batch in one go and reads every field back, newest first', async () => {
      await insertMonitorChanges(handle.db, [
        { monitorNum: 1, at: T0, from: 'PENDING', to: 'UP', reason: 'HTTP 200', statusCode: 200, latencyMs: 12 },
        { monitorNum: 1, at: T0 + 60_000, from: 'UP', to: 'DOWN', reason: 'HTTP 503', statusCode: 503, latencyMs: 40 },
        change(2, T0 + 30_000, 'PENDING', 'DOWN', 'connection refused'),
      ]);
      const page = await listMonitorChanges(handle.db, 1, 50);
      assert.deepEqual(page, {
        changes: [
          {
            monitorNum: 1,
            at: T0 + 60_000,
            from: 'UP',
            to: 'DOWN',
            reason: 'HTTP 503',
            statusCode: 503,
            latencyMs: 40,
          },
          { monitorNum: 1, at: T0, from: 'PENDING', to: 'UP', reason: 'HTTP 200', statusCode: 200, latencyMs: 12 },
        ],
        next: null,
      });
      assert.equal(typeof page.changes[0].at, 'number', 'bigint times come back as numbers');
      await insertMonitorChanges(handle.db, []);
    });

    it('pages with a cursor, and a page ending inside one millisecond carries all of it', async () => {
      const rows: MonitorChange[] = [];
      for (let i = 0; i < 7; i++) rows.push(change(3, T0 + i * 1_000, i % 2 ? 'UP' : 'DOWN', i % 2 ? 'DOWN' : 'UP'));
      // A pause and a resume in the same millisecond as the check at T0 + 2 s.
      rows.push(change(3, T0 + 2_000, 'UP', 'PAUSED', 'paused'), change(3, T0 + 2_000, 'PAUSED', 'UP', 'resumed'));
      await insertMonitorChanges(handle.db, rows);
      const first = await listMonitorChanges(handle.db, 3, 3);
      assert.deepEqual(
        first.changes.map((c) => c.at - T0),
        [6_000, 5_000, 4_000],
      );
      assert.equal(first.next, T0 + 4_000);
      const second = await listMonitorChanges(handle.db, 3, 2, first.next!);
      assert.deepEqual(
        second.changes.map((c) => c.at - T0),
        [3_000, 2_000, 2_000, 2_000],
        'the page is cut after the last millisecond, not inside it',
      );
      assert.equal(second.next, T0 + 2_000);
      const third = await listMonitorChanges(handle.db, 3, 2, second.next!);
      assert.deepEqual(
        third.changes.map((c) => c.at - T0),
        [1_000, 0],
      );
      assert.equal(third.next, null, 'nothing older is left');
      const all = [...first.changes, ...second.changes, ...third.changes];
      assert.equal(all.length, rows.length, 'every change exactly once over the pages');
    });

    it('prunes what is older than the retention cut, for every monitor', async () => {
      await pruneMonitorChanges(handle.db, T0 + 3_000);
      assert.deepEqual(
        (await listMonitorChanges(handle.db, 3, 50)).changes.map((c) => c.at - T0),
        [6_000, 5_000, 4_000, 3_000],
      );
      assert.deepEqual(
        (await listMonitorChanges(handle.db, 1, 50)).changes.map((c) => c.at - T0),
        [60_000],
      );
      assert.deepEqual(
        (await listMonitorChanges(handle.db, 2, 50)).changes.map((c) => c.at - T0),
        [30_000],
        'newer than the cut: kept',
      );
    });

    it("deletes one monitor's changes and leaves the others'", async () => {
      await deleteMonitorChanges(handle.db, 3);
      assert.deepEqual((await listMonitorChanges(handle.db, 3, 50)).changes, []);
      assert.equal((await listMonitorChanges(handle.db, 1, 50)).changes.length, 1);
    });
  });
}
