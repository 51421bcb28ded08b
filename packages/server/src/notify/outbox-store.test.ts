import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uuidv7 } from '../core/ids.js';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import {
  acquireLeases,
  dueQueueHeads,
  insertDeliveries,
  insertEvent,
  loadQueue,
  outboxStats,
  pruneOutbox,
  recordOutcomes,
  releaseLeases,
} from './outbox-store.js';
import { insertSubscription, insertTopic } from './topic-store.js';

const T0 = Date.UTC(2026, 0, 1);

for (const variant of await testDatabases()) {
  describe(`outbox store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    const topicId = uuidv7(T0);
    const subs = [uuidv7(T0), uuidv7(T0)];

    before(async () => {
      ({ handle, dispose } = await variant.create());
      await insertTopic(handle.db, {
        id: topicId,
        name: 't',
        displayName: null,
        tags: {},
        createdAt: T0,
        updatedAt: T0,
      });
      for (const [i, id] of subs.entries()) {
        await insertSubscription(handle.db, {
          id,
          topicId,
          topicName: 't',
          name: `s${i}`,
          protocol: 'webhook',
          spec: { endpoint: 'http://127.0.0.1:9/' },
          secrets: {},
          status: 'confirmed',
          unsubscribeToken: `u${i}-${id}`,
          createdAt: T0,
          updatedAt: T0,
        });
      }
    });
    after(() => dispose());

    async function queue(sub: string, n: number, at: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const eventId = uuidv7(at);
        await insertEvent(
          handle.db,
          {
            id: eventId,
            topic: 't',
            kind: 'test',
            severity: 'info',
            source: { type: 'manual', name: 'x', tags: {} },
            title: `e${i}`,
            text: '',
            attributes: {},
            dedupKey: eventId,
            time: at,
          },
          topicId,
          at,
        );
        const id = uuidv7(at);
        await insertDeliveries(handle.db, [{ id, eventId, subscriptionId: sub, purpose: 'event' }], at);
        ids.push(id);
      }
      return ids;
    }

    it('finds due queue heads only, and loads a queue in order with its events', async () => {
      const a = await queue(subs[0], 3, T0);
      await queue(subs[1], 2, T0);
      // The head of queue 1 is in backoff: the queue is not due even though later deliveries are.
      const [head1] = (await loadQueue(handle.db, subs[1], 1)).map((j) => j.delivery.id);
      await recordOutcomes(handle.db, [
        { id: head1, result: 'retry', at: T0, nextAttemptAt: T0 + 60_000, error: 'status 503', status: 503 },
      ]);
      const heads = await dueQueueHeads(handle.db, T0, 10);
      assert.deepEqual(heads, [{ subscriptionId: subs[0], headId: a[0] }]);
      const jobs = await loadQueue(handle.db, subs[0], 10);
      assert.deepEqual(
        jobs.map((j) => j.delivery.id),
        a,
      );
      assert.deepEqual(
        jobs.map((j) => j.event.title),
        ['e0', 'e1', 'e2'],
      );
      assert.equal((await dueQueueHeads(handle.db, T0 + 60_000, 10)).length, 2);
    });

    it('leases a queue to one owner at a time until it expires or is released', async () => {
      assert.deepEqual(await acquireLeases(handle.db, [subs[0]], 'node-a', T0, 30_000), [subs[0]]);
      assert.deepEqual(await acquireLeases(handle.db, [subs[0]], 'node-b', T0 + 1000, 30_000), []);
      assert.deepEqual(
        await acquireLeases(handle.db, [subs[0]], 'node-a', T0 + 1000, 30_000),
        [subs[0]],
        'the owner renews',
      );
      assert.deepEqual(
        await acquireLeases(handle.db, [subs[0]], 'node-b', T0 + 31_001, 30_000),
        [subs[0]],
        'an expired lease moves',
      );
      await releaseLeases(handle.db, [subs[0]], 'node-b');
      assert.deepEqual(await acquireLeases(handle.db, [subs[0]], 'node-a', T0 + 31_002, 30_000), [subs[0]]);
      await releaseLeases(handle.db, [subs[0]], 'node-a');
    });

    it('records outcomes and counts the outbox by status', async () => {
      const jobs = await loadQueue(handle.db, subs[0], 10);
      await recordOutcomes(handle.db, [
        { id: jobs[0].delivery.id, result: 'delivered', at: T0 + 10, latencyMs: 10, status: 200 },
        { id: jobs[1].delivery.id, result: 'dead', at: T0 + 10, error: 'status 400', status: 400 },
      ]);
      const stats = await outboxStats(handle.db);
      assert.deepEqual(stats.byStatus, { pending: 3, delivered: 1, dead: 1 });
      assert.equal(stats.oldestPendingAt, T0);
      const rest = await loadQueue(handle.db, subs[0], 10);
      assert.deepEqual(
        rest.map((j) => j.delivery.id),
        [jobs[2].delivery.id],
      );
    });

    it('prunes old delivered deliveries and their events, keeping pending work', async () => {
      const pruned = await pruneOutbox(handle.db, T0 + 100, T0 - 1);
      assert.deepEqual(pruned, { deliveries: 1, events: 1 });
      const stats = await outboxStats(handle.db);
      assert.deepEqual(stats.byStatus, { pending: 3, delivered: 0, dead: 1 });
    });
  });
}
