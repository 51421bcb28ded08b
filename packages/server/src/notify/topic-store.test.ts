import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { uuidv7 } from '../core/ids.js';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import type { Subscription, Topic } from './notify-types.js';
import * as store from './topic-store.js';

const T0 = Date.UTC(2026, 0, 1);

const topic = (name: string, over: Partial<Topic> = {}): Topic => ({
  id: uuidv7(T0),
  name,
  displayName: null,
  tags: {},
  createdAt: T0,
  updatedAt: T0,
  ...over,
});
const subscription = (t: Topic, name: string, over: Partial<Subscription> = {}): Subscription => ({
  id: uuidv7(T0),
  topicId: t.id,
  topicName: t.name,
  name,
  protocol: 'webhook',
  spec: { endpoint: 'http://127.0.0.1:9/' },
  secrets: {},
  status: 'confirmed',
  unsubscribeToken: `u-${uuidv7(T0)}`,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

for (const variant of await testDatabases()) {
  describe(`topic store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());
    beforeEach(async () => {
      await handle.db.deleteFrom('subscriptions').execute();
      await handle.db.deleteFrom('topics').execute();
    });

    it('keeps a topic as written, lists topics by name, and finds them by name', async () => {
      const ops = topic('ops', { displayName: 'Operations', tags: { team: 'sre', tier: '1' } });
      await store.insertTopic(handle.db, topic('zeta'));
      await store.insertTopic(handle.db, ops);
      await store.insertTopic(handle.db, topic('alpha'));
      assert.deepEqual(
        (await store.listTopics(handle.db)).map((t) => t.name),
        ['alpha', 'ops', 'zeta'],
      );
      assert.deepEqual(await store.findTopic(handle.db, 'ops'), ops);
      assert.equal(await store.findTopic(handle.db, 'nope'), undefined);
      assert.deepEqual((await store.findTopicsByName(handle.db, ['zeta', 'ops', 'nope'])).map((t) => t.name).sort(), [
        'ops',
        'zeta',
      ]);
      assert.deepEqual(await store.findTopicsByName(handle.db, []), []);
    });

    it('refuses a second topic of the same name', async () => {
      await store.insertTopic(handle.db, topic('ops'));
      await assert.rejects(store.insertTopic(handle.db, topic('ops')));
      assert.equal((await store.listTopics(handle.db)).length, 1);
    });

    it('updates display name, tags and updatedAt only', async () => {
      const t = topic('ops');
      await store.insertTopic(handle.db, t);
      await store.updateTopic(handle.db, {
        ...t,
        name: 'renamed',
        displayName: 'Ops',
        tags: { a: 'b' },
        createdAt: 1,
        updatedAt: T0 + 5,
      });
      assert.deepEqual(await store.findTopic(handle.db, 'ops'), {
        ...t,
        displayName: 'Ops',
        tags: { a: 'b' },
        updatedAt: T0 + 5,
      });
    });

    it('takes a subscription name once per topic, and the same name on another topic', async () => {
      const a = topic('a');
      const b = topic('b');
      await store.insertTopic(handle.db, a);
      await store.insertTopic(handle.db, b);
      await store.insertSubscription(handle.db, subscription(a, 'pager'));
      await assert.rejects(store.insertSubscription(handle.db, subscription(a, 'pager')));
      await store.insertSubscription(handle.db, subscription(b, 'pager'));
      await assert.rejects(
        store.insertSubscription(
          handle.db,
          subscription(b, 'other', {
            unsubscribeToken: (await store.listSubscriptions(handle.db))[0].unsubscribeToken,
          }),
        ),
        'unsubscribe tokens are unique',
      );
      assert.deepEqual(
        (await store.listSubscriptions(handle.db)).map((s) => `${s.topicName}/${s.name}`),
        ['a/pager', 'b/pager'],
      );
    });

    it("deleting a topic deletes its subscriptions and no other topic's", async () => {
      const a = topic('a');
      const b = topic('b');
      await store.insertTopic(handle.db, a);
      await store.insertTopic(handle.db, b);
      await store.insertSubscription(handle.db, subscription(a, 's1'));
      await store.insertSubscription(handle.db, subscription(a, 's2'));
      const kept = subscription(b, 's1');
      await store.insertSubscription(handle.db, kept);
      await store.deleteTopic(handle.db, a.id);
      assert.equal(await store.findTopic(handle.db, 'a'), undefined);
      assert.deepEqual(
        (await store.listSubscriptions(handle.db)).map((s) => s.id),
        [kept.id],
      );
    });

    it('reads subscriptions with their topic name, JSON spec and secrets, by topic, by ids and by token', async () => {
      const a = topic('a');
      const b = topic('b');
      await store.insertTopic(handle.db, a);
      await store.insertTopic(handle.db, b);
      const s1 = subscription(a, 'zz', {
        spec: { endpoint: 'http://127.0.0.1:9/x', headers: { 'x-k': 'v' } },
        secrets: { token: { value: 's3cret', ref: '${HOOK_TOKEN}' } },
      });
      const s2 = subscription(a, 'aa');
      const s3 = subscription(b, 'mm');
      for (const s of [s1, s2, s3]) await store.insertSubscription(handle.db, s);
      assert.deepEqual(await store.findSubscription(handle.db, s1.id), s1);
      assert.deepEqual(
        (await store.listSubscriptions(handle.db, a.id)).map((s) => s.name),
        ['aa', 'zz'],
      );
      assert.deepEqual(
        (await store.subscriptionsOfTopics(handle.db, [b.id])).map((s) => s.id),
        [s3.id],
      );
      assert.deepEqual(await store.subscriptionsOfTopics(handle.db, []), []);
      assert.deepEqual(
        (await store.findSubscriptionsByIds(handle.db, [s3.id, s2.id, 'nope'])).map((s) => s.id).sort(),
        [s2.id, s3.id].sort(),
      );
      assert.deepEqual(await store.findSubscriptionsByIds(handle.db, []), []);
      assert.equal((await store.findSubscriptionByUnsubscribeToken(handle.db, s2.unsubscribeToken))?.id, s2.id);
      assert.equal(await store.findSubscriptionByUnsubscribeToken(handle.db, 'nope'), undefined);
    });

    it('sets status with a confirmation token, keeps it when none is given, and clears it with null', async () => {
      const a = topic('a');
      await store.insertTopic(handle.db, a);
      const s = subscription(a, 'mail', { protocol: 'email', spec: { endpoint: 'a@example.com' }, status: 'pending' });
      await store.insertSubscription(handle.db, s, { tokenHash: 'h1', expiresAt: T0 + 100 });
      assert.deepEqual(await store.findSubscriptionByConfirmHash(handle.db, 'h1'), {
        ...s,
        confirmExpiresAt: T0 + 100,
      });
      await store.setSubscriptionStatus(handle.db, s.id, 'pending', T0 + 1, { tokenHash: 'h2', expiresAt: T0 + 200 });
      assert.equal(await store.findSubscriptionByConfirmHash(handle.db, 'h1'), undefined);
      await store.setSubscriptionStatus(handle.db, s.id, 'pending', T0 + 2);
      assert.equal(
        (await store.findSubscriptionByConfirmHash(handle.db, 'h2'))?.confirmExpiresAt,
        T0 + 200,
        'no confirm given: kept',
      );
      await store.setSubscriptionStatus(handle.db, s.id, 'confirmed', T0 + 3, null);
      assert.equal(await store.findSubscriptionByConfirmHash(handle.db, 'h2'), undefined);
      assert.deepEqual(await store.findSubscription(handle.db, s.id), { ...s, status: 'confirmed', updatedAt: T0 + 3 });
    });

    it('updates spec and secrets, and deletes one subscription', async () => {
      const a = topic('a');
      await store.insertTopic(handle.db, a);
      const s = subscription(a, 'hook');
      const other = subscription(a, 'other');
      await store.insertSubscription(handle.db, s);
      await store.insertSubscription(handle.db, other);
      const changed = { ...s, name: 'ignored', spec: { endpoint: 'http://127.0.0.1:9/new' }, updatedAt: T0 + 9 };
      await store.updateSubscriptionSpec(handle.db, changed);
      assert.deepEqual(await store.findSubscription(handle.db, s.id), { ...changed, name: 'hook' });
      await store.deleteSubscription(handle.db, s.id);
      assert.deepEqual(
        (await store.listSubscriptions(handle.db)).map((x) => x.id),
        [other.id],
      );
    });
  });
}
