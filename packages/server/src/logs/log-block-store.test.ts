import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import * as blocks from './log-block-store.js';
import * as groups from './log-group-store.js';

const row = (
  id: string,
  group: string,
  start: number,
  end: number,
  extra: Partial<blocks.BlockRow> = {},
): blocks.BlockRow => ({
  id,
  group,
  startTime: start,
  endTime: end,
  count: 10,
  rawBytes: 1000,
  storedBytes: 100,
  codec: 'cols1+gzip',
  levelMax: 9,
  escapes: false,
  bloom: Buffer.from([1, 2, 3, 4]),
  body: Buffer.from([0, 255, 7, 0, 9]),
  createdAt: 1,
  ...extra,
});

for (const variant of await testDatabases()) {
  describe(`log block and group stores on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    it('writes blocks in one batch, finds those overlapping a range in both orders, reads bodies back', async () => {
      const t = 1_764_633_600_000;
      await blocks.insertBlocks(handle.db, [
        row('b1', 'app', t, t + 100),
        row('b2', 'app', t + 50, t + 300, { levelMax: 17 }),
        row('b3', 'app', t + 400, t + 500),
        row('c1', 'other', t, t + 1000),
      ]);
      // The same id again is not a second copy (a flush retried after a commit whose answer was lost).
      await blocks.insertBlocks(handle.db, [row('b1', 'app', t, t + 100)]);
      const desc = await blocks.blocksOverlapping(handle.db, 'app', t + 90, t + 450, 'desc');
      assert.deepEqual(
        desc.map((b) => b.id),
        ['b3', 'b2', 'b1'],
      );
      const asc = await blocks.blocksOverlapping(handle.db, 'app', t + 101, t + 2000, 'asc');
      assert.deepEqual(
        asc.map((b) => b.id),
        ['b2', 'b3'],
      );
      assert.deepEqual(desc[1], {
        id: 'b2',
        group: 'app',
        startTime: t + 50,
        endTime: t + 300,
        count: 10,
        rawBytes: 1000,
        storedBytes: 100,
        codec: 'cols1+gzip',
        levelMax: 17,
        escapes: false,
        bloom: Buffer.from([1, 2, 3, 4]),
      });
      const bodies = await blocks.blockBodies(handle.db, ['b1', 'nope']);
      assert.deepEqual([...bodies.keys()], ['b1']);
      assert.deepEqual(bodies.get('b1'), Buffer.from([0, 255, 7, 0, 9]));
      const stats = await blocks.groupStats(handle.db);
      assert.deepEqual(stats[0], {
        group: 'app',
        blocks: 3,
        count: 30,
        rawBytes: 3000,
        storedBytes: 300,
        firstTime: t,
        lastTime: t + 500,
      });
      assert.equal(await blocks.deleteBlocksEndingBefore(handle.db, 'app', t + 300), 1, 'whole blocks: b1 only');
      assert.equal(await blocks.deleteGroupBlocks(handle.db, 'app'), 2);
      assert.deepEqual(
        (await blocks.groupStats(handle.db)).map((s) => s.group),
        ['other'],
      );
    });

    it('writes groups, keeps stored ones when creating missing ones, and deletes them', async () => {
      const spec = { name: '/aws/lambda/checkout', retentionDays: 7, description: 'd', match: { sources: ['x'] } };
      assert.equal(await groups.upsertGroup(handle.db, spec, 5), true);
      assert.equal(await groups.upsertGroup(handle.db, { ...spec, retentionDays: 9 }, 6), false);
      await groups.insertMissingGroups(handle.db, ['/aws/lambda/checkout', 'web'], 30, 7);
      assert.deepEqual(await groups.listGroups(handle.db), [
        { spec: { ...spec, retentionDays: 9 }, createdAt: 5, updatedAt: 6 },
        { spec: { name: 'web', retentionDays: 30 }, createdAt: 7, updatedAt: 7 },
      ]);
      assert.deepEqual(
        (await groups.listGroups(handle.db, ['web'])).map((g) => g.spec.name),
        ['web'],
      );
      assert.equal(await groups.deleteGroup(handle.db, 'web'), true);
      assert.equal(await groups.deleteGroup(handle.db, 'web'), false);
      assert.equal(await groups.groupByName(handle.db, 'web'), undefined);
    });
  });
}
