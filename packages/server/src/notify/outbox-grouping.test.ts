import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

for (const variant of await testDatabases()) {
  describe(`grouped notifications on ${variant.name}`, () => {
    let receiver: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      receiver = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock, outbox: { backoff: { baseMs: 1000, maxMs: 60_000, factor: 2 } } }));
      await tocsin.topics.create(
        tocsin.topics.parseTopic({
          name: 'ops',
          subscriptions: [
            { protocol: 'webhook', name: 'grouped', endpoint: `${receiver.url}/grouped`, groupWindowSeconds: 10 },
            { protocol: 'webhook', name: 'single', endpoint: `${receiver.url}/single` },
          ],
        }),
      );
    });
    after(async () => {
      await dispose();
      await receiver.stop();
    });

    const at = (path: string) => receiver.requests.filter((r) => r.path === path);
    async function change(name: string, kind: 'monitor.down' | 'monitor.up'): Promise<void> {
      await tocsin.publisher.publish('ops', { kind, severity: kind === 'monitor.down' ? 'critical' : 'ok', title: `${name} ${kind === 'monitor.down' ? 'is down' : 'is up'}`, source: { type: 'monitor', name, tags: {} } });
    }

    it('sends the events of one window as one message, in order, and one message per event without a window', async () => {
      for (let i = 0; i < 10; i++) {
        await change(`site-${i}`, i < 7 ? 'monitor.down' : 'monitor.up');
        clock.advance(500);
        await tocsin.outbox.runOnce();
      }
      assert.equal(at('/single').length, 10);
      assert.equal(at('/grouped').length, 0, 'the window is still open');
      clock.advance(6000);
      await tocsin.outbox.runOnce();
      const [message] = at('/grouped');
      assert.equal(at('/grouped').length, 1);
      const body = message.json();
      assert.deepEqual(body.events.map((e: { title: string }) => e.title), Array.from({ length: 10 }, (_, i) => `site-${i} ${i < 7 ? 'is down' : 'is up'}`));
      assert.match(body.event.title, /^7 down, 3 recovered: site-0, site-1, site-2, site-3, site-4 \(\+5\)$/);
      assert.equal(body.event.severity, 'critical');
      assert.equal(body.event.text.split('\n').length, 10);
      const delivered = await tocsin.deliveries.list({ subscription: 'grouped', status: 'delivered' });
      assert.equal(delivered.length, 10, 'every delivery of the group is recorded as delivered');
    });

    it('starts a new window for the next events; a window of one event is a plain message', async () => {
      await change('db', 'monitor.down');
      clock.advance(11_000);
      await tocsin.outbox.runOnce();
      assert.equal(at('/grouped').length, 2);
      const body = at('/grouped')[1].json();
      assert.equal(body.events, undefined);
      assert.equal(body.event.title, 'db is down');
    });

    it('retries a group as a whole', async () => {
      let fail = true;
      receiver.respond = (req) => (req.path === '/grouped' && fail ? { status: 503 } : { status: 200 });
      await change('a', 'monitor.down');
      await change('b', 'monitor.down');
      clock.advance(10_000);
      await tocsin.outbox.runOnce();
      const pending = await tocsin.deliveries.list({ subscription: 'grouped', status: 'pending' });
      assert.equal(pending.length, 2);
      assert.equal(new Set(pending.map((d) => d.nextAttemptAt)).size, 1, 'both wait for the same retry');
      fail = false;
      clock.advance(5_000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(at('/grouped').at(-1)!.json().events.map((e: { title: string }) => e.title), ['a is down', 'b is down']);
    });

    it('refuses a group window for PagerDuty', async () => {
      const res = await call(tocsin, 'POST', '/api/topics/ops/subscriptions', { protocol: 'pagerduty', routingKey: 'k', groupWindowSeconds: 10 });
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /groupWindowSeconds/);
    });
  });
}
