import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import type { Db } from '../db/database.js';
import { sampleEvents } from '../test-support/sample-log-lines.js';
import { renameTable, testDatabases } from '../test-support/test-databases.js';
import { decodeBlock } from './log-block-codec.js';
import * as blocks from './log-block-store.js';
import { LogGroupService } from './log-group-service.js';
import { LogWriter, defaultWriterOptions } from './log-writer.js';

for (const variant of await testDatabases()) {
  describe(`log writer on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    let groups: LogGroupService;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());
    beforeEach(async () => {
      await handle.db.deleteFrom('log_blocks').execute();
      await handle.db.deleteFrom('log_groups').execute();
      clock = new FakeClock(1_764_633_600_000);
      groups = new LogGroupService(handle.db, clock);
      await groups.load();
    });
    const writer = (options: Partial<typeof defaultWriterOptions> = {}) =>
      new LogWriter(handle.db, clock, silentLogger, groups.writerGroups(), {
        ...defaultWriterOptions,
        blockEvents: 100,
        ...options,
      });
    const stored = async () => (await blocks.groupStats(handle.db)).map((s) => [s.group, s.count, s.blocks]);

    it('cuts full blocks, writes every group in one flush, and creates unknown groups with 30 days', async () => {
      const w = writer();
      const app = sampleEvents(250, { group: 'app' });
      const web = sampleEvents(30, { group: 'web', seed: 3 });
      w.append(app.slice(0, 120), 12_000);
      w.append([...app.slice(120), ...web], 16_000);
      await w.flush(true);
      assert.deepEqual(await stored(), [
        ['app', 250, 3],
        ['web', 30, 1],
      ]);
      assert.deepEqual(
        groups.specs().map((g) => [g.name, g.retentionDays]),
        [
          ['app', 30],
          ['web', 30],
        ],
      );
      assert.equal(w.queuedBytes, 0);
      // Every event comes back, in arrival order, across its blocks.
      const metas = await blocks.blocksOverlapping(handle.db, 'app', 0, Number.MAX_SAFE_INTEGER, 'asc');
      const bodies = await blocks.blockBodies(
        handle.db,
        metas.map((m) => m.id),
      );
      const back = [];
      for (const m of metas.sort((a, b) => (a.id < b.id ? -1 : 1))) {
        const d = await decodeBlock(m.codec, bodies.get(m.id)!, 'app');
        for (let i = 0; i < d.count; i++) back.push(d.event(i));
      }
      assert.deepEqual(back, app);
    });

    it('keeps a group created by the API as it is', async () => {
      await groups.put({ name: 'app', retentionDays: 3 });
      const w = writer();
      w.append(sampleEvents(5, { group: 'app' }), 500);
      await w.flush();
      assert.deepEqual(
        groups.specs().map((g) => g.retentionDays),
        [3],
      );
    });

    it('refuses past the queue maximum with a Retry-After, and admits again once flushed', async () => {
      const w = writer({ maxQueueBytes: 10_000, blockEvents: 100_000 });
      assert.deepEqual(w.admit(9_000), { ok: true });
      w.append(sampleEvents(50), 9_000);
      assert.deepEqual(w.admit(2_000), { ok: false, retryAfterSeconds: 1 });
      assert.deepEqual(w.admit(1_000), { ok: true });
      await w.flush();
      assert.deepEqual(w.admit(10_000), { ok: true });
    });

    it('keeps the events while the database fails, counts it, fills the queue, stores them once it works', async () => {
      let failures = 0;
      const w = new LogWriter(
        handle.db,
        clock,
        silentLogger,
        groups.writerGroups(),
        { ...defaultWriterOptions, maxQueueBytes: 50_000, blockEvents: 100_000 },
        () => failures++,
      );
      await renameTable(handle, 'log_blocks', 'log_blocks_away');
      try {
        w.append(sampleEvents(200), 40_000);
        await assert.rejects(w.flush());
        await assert.rejects(w.flush());
        assert.equal(failures, 2);
        assert.equal(w.stats.failures, 2);
        assert.match(w.stats.lastError!.message, /log_blocks/);
        assert.equal(w.pending('app')[0]!.events.length, 200, 'still visible to queries');
        assert.deepEqual(w.admit(20_000), { ok: false, retryAfterSeconds: 4 });
      } finally {
        await renameTable(handle, 'log_blocks_away', 'log_blocks');
      }
      await w.flush();
      assert.deepEqual(await stored(), [['app', 200, 1]]);
      assert.deepEqual(w.admit(20_000), { ok: true });
      assert.equal(w.pending('app').length, 0);
    });

    it('flushes on its own when a block fills, and close() stores every buffer', async () => {
      const w = writer({ blockEvents: 50 });
      w.append(sampleEvents(60), 6_000);
      const deadline = Date.now() + 5_000;
      while ((await stored()).length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      assert.deepEqual(await stored(), [['app', 50, 1]]);
      await w.close();
      assert.deepEqual(await stored(), [['app', 60, 2]]);
      assert.equal(w.lagMs(), 0);
    });

    it('drops the buffered events of a group being deleted', async () => {
      const w = writer();
      w.append(sampleEvents(10, { group: 'gone' }), 1_000);
      w.append(sampleEvents(10, { group: 'kept' }), 1_000);
      await w.discard('gone');
      await w.flush();
      assert.deepEqual(await stored(), [['kept', 10, 1]]);
      assert.equal(w.queuedBytes, 0);
    });
  });
}
