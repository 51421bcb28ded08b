import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../db/database.js';
import { FakeClock } from '../../core/clock.js';
import { testDatabases } from '../../test-support/test-databases.js';
import { createFilterEvent } from '../filter-pattern.js';
import { LogRuleService } from './log-rule-service.js';

for (const variant of await testDatabases()) {
  describe(`log rule service on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(Date.UTC(2026, 2, 10, 12));
    const published: string[][] = [];
    const service = () =>
      new LogRuleService({
        db: handle.db,
        clock,
        topicNames: async () => new Set(['pager']),
        ownAddress: () => ({ publicUrl: 'http://tocsin.test', host: '127.0.0.1', port: 8080 }),
        publish: async (_q, names) => void published.push([...names]),
      });
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    it("tells other nodes of a change in its transaction; another node's copy follows changed and resync", async () => {
      const here = service();
      const there = service();
      await Promise.all([here.load(), there.load()]);
      let changes = 0;
      there.onChange(() => changes++);
      const spec = here.parse({ kind: 'route', name: 'r', pattern: 'ERROR', topics: ['pager'] });
      await here.put(spec);
      assert.deepEqual(published, [['r']]);
      await there.changed(['r']);
      assert.deepEqual(
        there.routes().map((r) => r.name),
        ['r'],
      );
      assert.equal(there.patternOf(there.routes()[0]).matches(createFilterEvent('an ERROR')), true);
      await here.put({ ...spec, enabled: false });
      await there.changed(['r']);
      assert.deepEqual(there.routes(), [], 'a disabled route is not routed');
      await here.remove('r');
      await there.resync();
      assert.deepEqual(there.list(), []);
      assert.equal(changes, 3);
    });

    it('names the field of a bad pattern or template with the given prefix', () => {
      const s = service();
      assert.throws(
        () => s.parse({ kind: 'route', name: 'r', pattern: '{ $.a = ', topics: ['pager'] }, 'log_rules.2'),
        (err: { details: { issues: { path: string }[] } }) => err.details.issues[0].path === 'log_rules.2.pattern',
      );
      assert.throws(
        () => s.parse({ kind: 'route', name: 'r', pattern: '', topics: ['pager'], dedupKey: '{$.}' }),
        (err: { details: { issues: { path: string; message: string }[] } }) =>
          err.details.issues[0].path === 'dedupKey' && /is not a JSON selector/.test(err.details.issues[0].message),
      );
    });
  });
}
