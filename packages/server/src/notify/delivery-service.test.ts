import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

for (const variant of await testDatabases()) {
  describe(`replaying dead letters on ${variant.name}`, () => {
    let receiver: HttpReceiver;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      receiver = await new HttpReceiver().start();
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock(Date.UTC(2026, 5, 1, 12)) }));
    });
    after(async () => {
      await dispose();
      await receiver.stop();
    });

    it('skips the dead letters of deleted subscriptions and says how many', async () => {
      const subscriptions = [
        { name: 'kept', protocol: 'webhook', endpoint: `${receiver.url}/kept` },
        { name: 'gone', protocol: 'webhook', endpoint: `${receiver.url}/gone` },
      ];
      await tocsin.topics.create(tocsin.topics.parseTopic({ name: 'ops', subscriptions }));
      let reject = true;
      receiver.respond = () => (reject ? { status: 400, body: 'no' } : { status: 200, body: 'ok' });
      await tocsin.publisher.publish('ops', { kind: 'test', title: 'd0' });
      await tocsin.publisher.publish('ops', { kind: 'test', title: 'd1' });
      await tocsin.outbox.runOnce();
      assert.equal((await tocsin.deliveries.list({ status: 'dead' })).length, 4);
      await tocsin.topics.removeSubscription('ops', 'gone');
      const listed = await tocsin.deliveries.list({ status: 'dead' });
      assert.equal(listed.filter((d) => d.topic === '(deleted)' && d.subscription === '(deleted)').length, 2);

      reject = false;
      const answer = await call(tocsin, 'POST', '/api/deliveries/replay');
      assert.equal(answer.status, 202, answer.text);
      assert.deepEqual(answer.json, { replayed: 2, skipped: 2 });
      await tocsin.outbox.runOnce();
      assert.deepEqual(
        receiver.requests.map((r) => `${r.path} ${r.json().event.title}`),
        ['/kept d0', '/kept d1'],
      );
      const dead = await tocsin.deliveries.list({ status: 'dead' });
      assert.equal(dead.length, 2, 'the skipped ones stay dead, listed as before');
      assert.deepEqual(await tocsin.deliveries.replayDead({}), { replayed: 0, skipped: 2 });
    });
  });
}
