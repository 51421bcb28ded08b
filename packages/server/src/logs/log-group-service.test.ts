import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresChangeBus } from '../cluster/change-bus.js';
import { FakeClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../db/database.js';
import { POSTGRES_URL, testDatabases } from '../test-support/test-databases.js';
import { LOG_GROUPS_TOPIC, LogGroupService } from './log-group-service.js';

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const variants = (await testDatabases()).filter((v) => v.name === 'postgres');
for (const variant of variants) {
  describe('log groups across nodes (PostgreSQL change bus)', () => {
    let handle: Db;
    let other: Db;
    let schema: string;
    let dispose: () => Promise<void>;
    const buses: PostgresChangeBus[] = [];
    before(async () => {
      const created = await variant.create();
      ({ handle, dispose } = created);
      schema = created.schema!;
      other = openDatabase(POSTGRES_URL, { schema, poolSize: 2 });
    });
    after(async () => {
      for (const b of buses) await b.close();
      await other.close();
      await dispose();
    });

    it('tells the other node of a group put, created by the writer, or deleted; it reads it again', async () => {
      const clock = new FakeClock();
      const node = (db: Db, id: string) => {
        const bus = new PostgresChangeBus(POSTGRES_URL, id, silentLogger, schema);
        buses.push(bus);
        const service = new LogGroupService(db.db, clock, bus);
        bus.on(LOG_GROUPS_TOPIC, { changed: (names) => service.changed(names), resync: () => service.load() });
        return { bus, service };
      };
      const a = node(handle, 'a');
      const b = node(other, 'b');
      await Promise.all([a.bus.start(), b.bus.start()]);
      await a.service.put({ name: 'web', retentionDays: 9 });
      await until(() => b.service.has('web'), 'the put');
      assert.deepEqual(b.service.specs(), [{ name: 'web', retentionDays: 9 }]);
      const groups = a.service.writerGroups();
      await handle.db.transaction().execute((trx) => groups.create(trx, ['new-app']));
      await until(() => b.service.has('new-app'), 'the group the writer created');
      assert.equal(b.service.specs().find((g) => g.name === 'new-app')?.retentionDays, 30);
      await a.service.remove('web');
      await until(() => !b.service.has('web'), 'the delete');
    });
  });
}
