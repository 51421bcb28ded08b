import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { CONFIRM_VALIDITY_MS, TopicService } from './topic-service.js';

const T0 = Date.UTC(2026, 0, 1);
const webhook = { protocol: 'webhook', name: 'hook', endpoint: 'http://127.0.0.1:9/hook' };
const email = (endpoint = 'ops@example.com') => ({ protocol: 'email', name: 'mail', endpoint });

/** A rejection with this error code and a message matching `message`. */
const fails =
  (code: string, message: RegExp = /./) =>
  (err: unknown) => {
    assert.equal((err as { code?: string }).code, code);
    assert.match((err as Error).message, message);
    return true;
  };

for (const variant of await testDatabases()) {
  describe(`topic service on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    let queued = 0;
    let named: string[] = [];
    let topics: TopicService;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());
    beforeEach(async () => {
      for (const t of ['deliveries', 'events', 'subscriptions', 'topics'] as const)
        await handle.db.deleteFrom(t).execute();
      clock = new FakeClock(T0);
      queued = 0;
      named = [];
      topics = new TopicService(handle.db, clock, () => queued++, [
        { section: 'monitors', namesOf: (t) => (named.includes(t) ? [`monitor 'web' (${t})`] : []) },
      ]);
    });

    /** The token of the latest confirmation mail queued for a subscription, read from its event. */
    async function confirmToken(sub: string): Promise<string> {
      const rows = await handle.db
        .selectFrom('events')
        .select(['attributes', 'created_at'])
        .where('kind', '=', 'subscription.confirm')
        .execute();
      const mine = rows.map((r) => JSON.parse(r.attributes)).filter((a) => a.subscription === sub);
      assert.ok(mine.length > 0, `a confirmation for ${sub}`);
      return mine[mine.length - 1].confirmToken;
    }
    const status = async (topic: string, sub: string) =>
      (await topics.get(topic)).subscriptions.find((s) => s.name === sub)?.status;

    it('creates a topic: a webhook is confirmed, an e-mail pending with a confirmation mail queued', async () => {
      const view = await topics.create(
        topics.parseTopic({ name: 'ops', tags: { team: 'sre' }, subscriptions: [webhook, email()] }),
      );
      assert.deepEqual(
        view.subscriptions.map((s) => [s.name, s.status]),
        [
          ['hook', 'confirmed'],
          ['mail', 'pending'],
        ],
      );
      assert.equal(queued, 1, 'onQueued after the commit');
      const deliveries = await handle.db.selectFrom('deliveries').select('purpose').execute();
      assert.deepEqual(
        deliveries.map((d) => d.purpose),
        ['confirmation'],
      );
      assert.deepEqual(
        (await topics.list()).map((t) => t.name),
        ['ops'],
      );
    });

    it('refuses a second topic of one name, and two subscriptions of one name', async () => {
      await topics.create(topics.parseTopic({ name: 'ops' }));
      await assert.rejects(
        topics.create(topics.parseTopic({ name: 'ops' })),
        fails('conflict', /topic 'ops' already exists/),
      );
      assert.throws(
        () => topics.parseTopic({ name: 'x', subscriptions: [webhook, { ...webhook }] }),
        fails('validation_failed'),
      );
      await assert.rejects(
        topics
          .addSubscription('ops', topics.parseSubscription(webhook))
          .then(() => topics.addSubscription('ops', topics.parseSubscription(webhook))),
        fails('conflict', /already has a subscription named 'hook'/),
      );
    });

    it('confirms by the link once, and not after the link expired', async () => {
      await topics.create(topics.parseTopic({ name: 'ops', subscriptions: [email()] }));
      const token = await confirmToken('mail');
      assert.equal((await topics.confirm(token)).status, 'confirmed');
      assert.equal(await status('ops', 'mail'), 'confirmed');
      await assert.rejects(topics.confirm(token), fails('not_found', /may have been used already/));

      await topics.addSubscription('ops', topics.parseSubscription({ ...email('b@example.com'), name: 'late' }));
      const late = await confirmToken('late');
      clock.advance(CONFIRM_VALIDITY_MS);
      await topics.findByConfirmToken(late); // valid up to its expiry, inclusive
      clock.advance(1);
      await assert.rejects(topics.confirm(late), fails('not_found', /has expired/));
      assert.equal(await status('ops', 'late'), 'pending');
    });

    it('a changed e-mail address is pending again with a new link; the old link no longer confirms', async () => {
      await topics.create(topics.parseTopic({ name: 'ops', subscriptions: [email()] }));
      const first = await confirmToken('mail');
      await topics.confirm(first);
      const view = await topics.replace(
        'ops',
        topics.parseTopic({ name: 'ops', subscriptions: [email('new@example.com')] }),
        { prune: false },
      );
      assert.equal(view.subscriptions[0].status, 'pending');
      const second = await confirmToken('mail');
      assert.notEqual(second, first);
      await assert.rejects(topics.confirm(first), fails('not_found'));
      await topics.confirm(second);
      assert.equal(await status('ops', 'mail'), 'confirmed');
    });

    it('replace keeps unnamed subscriptions without prune, deletes them with it, refuses another name', async () => {
      await topics.create(topics.parseTopic({ name: 'ops', subscriptions: [webhook, { ...webhook, name: 'other' }] }));
      const keep = await topics.replace(
        'ops',
        topics.parseTopic({ name: 'ops', displayName: 'Ops', subscriptions: [webhook] }),
        { prune: false },
      );
      assert.deepEqual(keep.subscriptions.map((s) => s.name).sort(), ['hook', 'other']);
      assert.equal(keep.displayName, 'Ops');
      const pruned = await topics.replace('ops', topics.parseTopic({ name: 'ops', subscriptions: [webhook] }), {
        prune: true,
      });
      assert.deepEqual(
        pruned.subscriptions.map((s) => s.name),
        ['hook'],
      );
      assert.deepEqual(
        (await topics.get('ops')).subscriptions.map((s) => s.name),
        ['hook'],
      );
      await assert.rejects(
        topics.replace('ops', topics.parseTopic({ name: 'dev' }), { prune: false }),
        fails('validation_failed'),
      );
    });

    it('refuses to delete a topic another domain names, unless checked; deletes its subscriptions', async () => {
      await topics.create(topics.parseTopic({ name: 'ops', subscriptions: [webhook] }));
      named = ['ops'];
      await assert.rejects(
        topics.remove('ops'),
        fails('conflict', /topic 'ops' is named by monitor 'web' \(ops\); change or delete that first/),
      );
      assert.deepEqual(topics.referrersOf('ops', new Set(['monitors'])), []);
      await topics.remove('ops', undefined, { referrersChecked: true });
      await assert.rejects(topics.get('ops'), fails('not_found'));
      assert.equal((await handle.db.selectFrom('subscriptions').selectAll().execute()).length, 0);
    });

    it('resends a confirmation only to a pending e-mail; unsubscribes by link; removes one subscription', async () => {
      await topics.create(topics.parseTopic({ name: 'ops', subscriptions: [webhook, email()] }));
      await assert.rejects(
        topics.resendConfirmation('ops', 'hook'),
        fails('conflict', /is confirmed; only pending e-mail/),
      );
      const before = await confirmToken('mail');
      await topics.resendConfirmation('ops', 'mail');
      assert.notEqual(await confirmToken('mail'), before);
      const hook = (await topics.get('ops')).subscriptions.find((s) => s.name === 'hook')!;
      assert.equal((await topics.unsubscribe(hook.unsubscribeToken)).status, 'unsubscribed');
      assert.equal(await status('ops', 'hook'), 'unsubscribed');
      await assert.rejects(topics.unsubscribe('nope'), fails('not_found'));
      await topics.removeSubscription('ops', 'hook');
      await assert.rejects(topics.removeSubscription('ops', 'hook'), fails('not_found'));
      assert.deepEqual(
        (await topics.get('ops')).subscriptions.map((s) => s.name),
        ['mail'],
      );
    });
  });
}
