import { singleNodeFence } from '../cluster/fence.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { heartbeatInputSchema } from '@tocsin/protocol';
import { FakeClock } from '../core/clock.js';
import { uuidv7 } from '../core/ids.js';
import type { Db } from '../db/database.js';
import { PublishService } from '../notify/publish-service.js';
import { insertTopic } from '../notify/topic-store.js';
import { testDatabases } from '../test-support/test-databases.js';
import { HeartbeatRegistry, rulesOf, type HeartbeatEntry } from './heartbeat-registry.js';
import { initialHeartbeat, nextDeadline } from './heartbeat-state.js';
import * as store from './heartbeat-store.js';
import { PingWriter, type PingItem } from './ping-writer.js';

const TOKEN = singleNodeFence.token('heartbeat-deadline', 'any')!;

const MIN = 60_000;
const T0 = Date.UTC(2026, 5, 1, 12);

const ping = (heartbeatId: string, over: Partial<PingItem> = {}): PingItem => ({
  type: 'ping',
  heartbeatId,
  kind: 'success',
  exitStatus: null,
  rid: null,
  method: 'POST',
  remoteAddr: '127.0.0.1',
  userAgent: 'curl',
  body: null,
  bodyTruncated: false,
  bodyNulsReplaced: false,
  ...over,
});

for (const variant of await testDatabases()) {
  describe(`ping writer on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    let registry: HeartbeatRegistry;
    let writer: PingWriter;
    let deadlines: [string, number | null][];
    let runs: [string, number, boolean][];
    before(async () => {
      ({ handle, dispose } = await variant.create());
      await insertTopic(handle.db, {
        id: uuidv7(T0),
        name: 'batch',
        displayName: null,
        tags: {},
        createdAt: T0,
        updatedAt: T0,
      });
    });
    after(() => dispose());
    beforeEach(async () => {
      for (const t of ['heartbeat_pings', 'heartbeat_changes', 'heartbeat_state', 'heartbeats', 'events'] as const)
        await handle.db.deleteFrom(t).execute();
      clock = new FakeClock(T0);
      registry = new HeartbeatRegistry();
      deadlines = [];
      runs = [];
      writer = new PingWriter(
        handle.db,
        clock,
        registry,
        new PublishService(handle.db, clock),
        (id, at) => deadlines.push([id, at]),
        (name, ms, _at, failed) => runs.push([name, ms, failed]),
      );
    });

    /** A heartbeat every hour with 5 minutes of grace, written and registered as the service does. */
    async function heartbeat(name: string): Promise<HeartbeatEntry> {
      const spec = heartbeatInputSchema.parse({ name, period: '1h', grace: '5m', topics: ['batch'] });
      const rules = rulesOf(spec);
      const runtime = initialHeartbeat(rules, clock.now());
      const row: store.HeartbeatRow = {
        id: uuidv7(clock.now()),
        name,
        slug: name,
        pingUuid: randomUUID(),
        spec: { ...spec },
        createdAt: clock.now(),
        updatedAt: clock.now(),
      };
      await store.insertHeartbeat(handle.db, row, {
        state: runtime.state,
        runtime,
        nextDeadline: nextDeadline(runtime, rules),
      });
      const entry: HeartbeatEntry = { row, spec, rules, runtime };
      registry.set(entry);
      return entry;
    }
    const pings = (id: string) =>
      handle.db.selectFrom('heartbeat_pings').selectAll().where('heartbeat_id', '=', id).orderBy('id').execute();

    it('writes the pings of one turn together, in arrival order, at most 500 a batch', async () => {
      const hb = await heartbeat('busy');
      const results = await Promise.all(
        Array.from({ length: 501 }, (_, i) => writer.submit(ping(hb.row.id, { body: `p${i}` }))),
      );
      assert.equal(results.length, 501);
      assert.ok(
        results.every((r) => r.nextDeadline === T0 + 60 * MIN),
        'the next run is expected an hour on',
      );
      const stored = await pings(hb.row.id);
      assert.deepEqual(
        stored.map((p) => p.body),
        Array.from({ length: 501 }, (_, i) => `p${i}`),
      );
      // One deadline report per heartbeat per batch: two batches (500 + 1), not 501 writes.
      assert.equal(deadlines.length, 2);
      assert.equal(hb.runtime.state, 'UP', 'the registry holds the state after commit');
    });

    it('stores the body as given with its flags: NULs already replaced by U+FFFD, truncation', async () => {
      const hb = await heartbeat('nul');
      await writer.submit(
        ping(hb.row.id, {
          body: 'a\uFFFDb',
          bodyNulsReplaced: true,
          bodyTruncated: true,
          kind: 'log',
          exitStatus: null,
        }),
      );
      await writer.submit(ping(hb.row.id, { body: 'plain', kind: 'fail', exitStatus: 3, rid: 'r1' }));
      const [first, second] = await pings(hb.row.id);
      assert.deepEqual(
        [first.body, first.body_nuls_replaced, first.body_truncated, first.kind],
        ['a\uFFFDb', 1, 1, 'log'],
      );
      assert.deepEqual(
        [second.body, second.body_nuls_replaced, second.body_truncated, second.kind, second.exit_status, second.rid],
        ['plain', 0, 0, 'fail', 3, 'r1'],
      );
    });

    it('answers an unknown heartbeat with no deadline and still writes the rest of its batch', async () => {
      const hb = await heartbeat('known');
      const [gone, known] = await Promise.all([writer.submit(ping('no-such-id')), writer.submit(ping(hb.row.id))]);
      assert.deepEqual(gone, { nextDeadline: null });
      assert.equal(known.nextDeadline, T0 + 60 * MIN);
      assert.equal((await handle.db.selectFrom('heartbeat_pings').selectAll().execute()).length, 1);
    });

    it('measures a run from its start ping, after commit', async () => {
      const hb = await heartbeat('timed');
      await writer.submit(ping(hb.row.id, { kind: 'start', rid: 'x' }));
      clock.advance(90_000);
      await writer.submit(ping(hb.row.id, { kind: 'success', rid: 'x' }));
      assert.deepEqual(runs, [['timed', 90_000, false]]);
      assert.deepEqual(
        (await pings(hb.row.id)).map((p) => p.duration_ms),
        [null, 90_000],
      );
    });

    const kinds = async () =>
      (await handle.db.selectFrom('events').select('kind').orderBy('id').execute()).map((e) => e.kind);
    const changesOf = async (id: string) =>
      (await store.listChanges(handle.db, id, 10)).reverse().map((c) => `${c.from_state}>${c.to_state}`);

    it(
      'a passed deadline writes the state change and its event ' +
        'in its batch, and tells the scheduler the next deadline',
      async () => {
        const hb = await heartbeat('ticked');
        clock.advance(60 * MIN);
        await writer.submit({ type: 'tick', heartbeatId: hb.row.id, token: TOKEN });
        assert.equal(hb.runtime.state, 'LATE');
        clock.advance(5 * MIN);
        const tick = await writer.submit({ type: 'tick', heartbeatId: hb.row.id, token: TOKEN });
        assert.equal(hb.runtime.state, 'DOWN');
        assert.equal(tick.nextDeadline, nextDeadline(hb.runtime, hb.rules));
        assert.deepEqual(deadlines.at(-1), [hb.row.id, tick.nextDeadline], 'the scheduler hears the new deadline');
        assert.deepEqual(await kinds(), ['heartbeat.down']);
        await writer.submit(ping(hb.row.id));
        assert.deepEqual(await changesOf(hb.row.id), ['NEW>LATE', 'LATE>DOWN', 'DOWN>UP']);
        assert.deepEqual(await kinds(), ['heartbeat.down', 'heartbeat.up']);
        assert.equal((await store.loadAll(handle.db))[0].state, 'UP', 'the state row is saved with the batch');
      },
    );

    it('a ping after a deadline nobody ticked counts the missed run first: down, then up', async () => {
      const hb = await heartbeat('unticked');
      clock.advance(66 * MIN);
      await writer.submit(ping(hb.row.id));
      const changes = await changesOf(hb.row.id);
      assert.equal(changes.at(-1), 'DOWN>UP');
      assert.match(changes.at(-2) ?? '', />DOWN$/);
      assert.deepEqual(await kinds(), ['heartbeat.down', 'heartbeat.up']);
    });
  });
}
