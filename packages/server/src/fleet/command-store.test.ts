import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandRunSpec } from '@tocsin/protocol';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import * as store from './command-store.js';

const spec = { command: 'uptime', targets: { tags: { role: 'web' } } } as unknown as CommandRunSpec;

for (const variant of await testDatabases()) {
  describe(`command store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ handle, dispose } = await variant.create());
    });
    after(() => dispose());

    const run = (id: string, createdAt: number): store.RunRecord => ({
      id,
      command: 'uptime',
      spec,
      selector: 'role=web',
      expected: 2,
      expectedFrom: 'body',
      targets: [{ id: 'a1', hostname: 'h1' }],
      status: 'InProgress',
      cancelRequested: false,
      stopped: false,
      counts: {},
      startedBy: 'token:admin',
      createdAt,
    });
    const inv = (id: string, runId: string): store.InvocationRecord => ({
      id,
      runId,
      seq: 0,
      agentId: 'a1',
      hostname: 'h1',
      status: 'Pending',
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
    });

    it('moves an invocation only from the statuses given, once; a run ends once', async () => {
      await store.insertRun(handle.db, run('r1', 1000), [inv('i1', 'r1')]);
      assert.equal(
        await store.casInvocation(handle.db, 'i1', ['Pending'], { status: 'Delivering', released_at: 5 }),
        true,
      );
      assert.equal(await store.casInvocation(handle.db, 'i1', ['Pending'], { status: 'Cancelled' }), false);
      const claim = () => store.casInvocation(handle.db, 'i1', ['Delivering'], { sent_at: 6 }, { unsent: true });
      assert.equal(await claim(), true);
      assert.equal(await claim(), false, 'sent once');
      assert.equal(
        await store.casInvocation(handle.db, 'i1', ['Delivering'], { status: 'InProgress' }, { agentId: 'other' }),
        false,
        "another agent's frame moves nothing",
      );
      assert.equal((await store.undeliveredOf(handle.db, ['a1'])).length, 1);
      const end = { status: 'Success' as const, reason: 'ok', counts: { Success: 1 }, endedAt: 9 };
      assert.equal(await store.finishRun(handle.db, 'r1', end), true);
      assert.equal(await store.finishRun(handle.db, 'r1', { ...end, status: 'Failed' }), false);
      const r = await store.getRun(handle.db, 'r1');
      assert.equal(r?.status, 'Success');
      assert.deepEqual(r?.targets, [{ id: 'a1', hostname: 'h1' }]);
      assert.deepEqual(await store.activeRunIds(handle.db), []);
    });

    it('lists newest first by page, and prunes ended runs with their invocations', async () => {
      await store.insertRun(handle.db, run('r2', 2000), [inv('i2', 'r2')]);
      await store.insertRun(handle.db, run('r3', 3000), []);
      assert.deepEqual(
        (await store.listRuns(handle.db, { limit: 2 })).map((r) => r.id),
        ['r3', 'r2'],
      );
      assert.deepEqual(
        (await store.listRuns(handle.db, { limit: 2, before: 'r2' })).map((r) => r.id),
        ['r1'],
      );
      assert.equal(await store.pruneRuns(handle.db, 2500), 1, 'r1 ended; r2 is in progress and kept');
      assert.equal(await store.getInvocation(handle.db, 'i1'), undefined);
      assert.ok(await store.getRun(handle.db, 'r2'));
    });
  });
}
