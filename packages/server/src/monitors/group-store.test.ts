import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GroupSpec } from '@tocsin/protocol';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { deleteGroup, listGroups, upsertGroup } from './group-store.js';

const byName = (gs: GroupSpec[]) => [...gs].sort((a, b) => a.name.localeCompare(b.name));

for (const variant of await testDatabases()) {
  describe(`group store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    it('writes a group, replaces it by name and reads back every field', async () => {
      const web: GroupSpec = {
        name: 'web',
        description: 'behind the LB',
        selector: { role: 'web', env: 'prod' },
        expectedSize: 3,
      };
      await upsertGroup(handle.db, web);
      await upsertGroup(handle.db, { name: 'db', selector: { role: 'db' }, expectedSize: 2 });
      await upsertGroup(handle.db, { ...web, expectedSize: 4, description: undefined });
      assert.deepEqual(byName(await listGroups(handle.db)), [
        { name: 'db', selector: { role: 'db' }, expectedSize: 2 },
        { name: 'web', selector: { role: 'web', env: 'prod' }, expectedSize: 4 },
      ]);
    });

    it('deletes a group by name and says whether there was one', async () => {
      assert.equal(await deleteGroup(handle.db, 'db'), true);
      assert.equal(await deleteGroup(handle.db, 'db'), false);
      assert.deepEqual(
        (await listGroups(handle.db)).map((g) => g.name),
        ['web'],
      );
    });

    it("writes inside the caller's transaction, so a rollback keeps nothing", async () => {
      await assert.rejects(
        handle.db.transaction().execute(async (trx) => {
          await upsertGroup(trx, { name: 'tmp', selector: { a: 'b' }, expectedSize: 1 });
          assert.equal((await listGroups(trx)).length, 2);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(
        (await listGroups(handle.db)).map((g) => g.name),
        ['web'],
      );
    });
  });
}
