import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const monitor = (n: number) => ({
  name: `m-${n}`,
  type: 'http',
  url: `http://127.0.0.1:9/t/${n}`,
  interval: '20s',
  timeout: '5s',
});
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => monitor(from + i));

// Applying a chunk of monitors into a server that holds many must cost what the chunk holds: the plan finds
// each monitor by name, and never lists every monitor per item (which made 10 chunks of 1,000 take 40 times one apply).
for (const variant of await testDatabases()) {
  describe(`bulk apply on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let lists = 0;
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock() }));
      const list = tocsin.monitors.list.bind(tocsin.monitors);
      tocsin.monitors.list = () => {
        lists++;
        return list();
      };
    });
    after(() => dispose());

    it('plans a chunk into a server that holds monitors without listing them', async () => {
      await tocsin.config.apply({ config: { monitors: range(1, 40) } });
      lists = 0;
      const res = await tocsin.config.apply({
        config: { monitors: [...range(41, 20), { ...monitor(1), interval: '30s' }, monitor(2)] },
      });
      assert.equal(res.changes.length, 21);
      assert.deepEqual(res.changes.at(-1), {
        action: 'update',
        resource: 'monitor',
        name: 'm-1',
        fields: ['interval'],
      });
      assert.equal(lists, 0);
      assert.equal(tocsin.monitors.find('m-60')?.monitor.name, 'm-60');
    });

    it('still deletes what a pruned file leaves out', async () => {
      const res = await tocsin.config.apply({ config: { monitors: range(1, 59) }, prune: true, dryRun: true });
      assert.deepEqual(
        res.changes.filter((c) => c.action !== 'update'),
        [{ action: 'delete', resource: 'monitor', name: 'm-60' }],
      );
    });
  });
}
