import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const noJitter = { baseMs: 1000, maxMs: 60_000, factor: 2 };
type Titled = { title: string };

for (const variant of await testDatabases()) {
  describe(`grouped notifications on ${variant.name}`, () => {
    let receiver: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      receiver = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock, outbox: { backoff: noJitter } }));
    });
    after(async () => {
      await dispose();
      await receiver.stop();
    });
    beforeEach(() => {
      receiver.respond = () => ({ status: 200, body: 'ok' });
    });

    /** A topic with a webhook grouping by 10 s (`/topic/grouped`) and one that does not (`/topic/single`). */
    async function topicWith(name: string): Promise<void> {
      await tocsin.topics.create(
        tocsin.topics.parseTopic({
          name,
          subscriptions: [
            {
              protocol: 'webhook',
              name: 'grouped',
              endpoint: `${receiver.url}/${name}/grouped`,
              groupWindowSeconds: 10,
            },
            { protocol: 'webhook', name: 'single', endpoint: `${receiver.url}/${name}/single` },
          ],
        }),
      );
    }
    const at = (path: string) => receiver.requests.filter((r) => r.path === path);
    const bodies = (path: string) => at(path).map((r) => r.json());
    const eventTitles = (body: { events?: Titled[]; event: Titled }) =>
      (body.events ?? [body.event]).map((e) => e.title);
    async function change(topic: string, name: string, kind: 'monitor.down' | 'monitor.up'): Promise<void> {
      const down = kind === 'monitor.down';
      await tocsin.publisher.publish(topic, {
        kind,
        severity: down ? 'critical' : 'ok',
        title: `${name} ${down ? 'is down' : 'is up'}`,
        text: `https://${name}.example.com/health ${down ? 'answered 503' : 'answered 200'}`,
        source: { type: 'monitor', name, tags: {} },
      });
    }
    const deliveries = (topic: string, status: 'pending' | 'delivered' | 'dead') =>
      tocsin.deliveries.list({ topic, subscription: 'grouped', status, limit: 500 });

    it('sends the events of a window as one message, in order, and one message per event without one', async () => {
      await topicWith('run');
      for (let i = 0; i < 10; i++) {
        await change('run', `site-${i}`, i < 7 ? 'monitor.down' : 'monitor.up');
        clock.advance(500);
        await tocsin.outbox.runOnce();
      }
      assert.equal(at('/run/single').length, 10);
      assert.equal(at('/run/grouped').length, 0, 'the window is still open');
      clock.advance(5000);
      await tocsin.outbox.runOnce();
      assert.equal(at('/run/grouped').length, 1);
      const [body] = bodies('/run/grouped');
      assert.deepEqual(
        eventTitles(body),
        Array.from({ length: 10 }, (_, i) => `site-${i} ${i < 7 ? 'is down' : 'is up'}`),
      );
      assert.equal(body.event.kind, 'digest');
      assert.equal(body.event.title, '7 down, 3 recovered: site-0, site-1, site-2, site-3, site-4 (+5)');
      assert.equal(body.event.severity, 'critical');
      assert.equal(body.event.attributes.count, 10);
      assert.equal(body.event.text.split('\n').length, 10);
      assert.equal(body.event.dedupKey, body.events[0].dedupKey);
      assert.equal(at('/run/grouped')[0].headers['x-tocsin-dedup-key'], body.events[0].dedupKey);
      const delivered = await deliveries('run', 'delivered');
      assert.equal(delivered.length, 10, 'every delivery of the group is recorded as delivered');
      assert.ok(delivered.every((d) => d.attempts === 1));
      assert.equal((await deliveries('run', 'pending')).length, 0);
    });

    it('starts the next window with the next event; a window of one event is a plain message', async () => {
      await topicWith('next');
      await change('next', 'api', 'monitor.down');
      clock.advance(10_000);
      await tocsin.outbox.runOnce();
      for (const name of ['api', 'web', 'db'])
        await change('next', name, name === 'api' ? 'monitor.up' : 'monitor.down');
      clock.advance(9_999);
      await tocsin.outbox.runOnce();
      assert.equal(at('/next/grouped').length, 1, 'the second window is still open');
      clock.advance(1);
      await tocsin.outbox.runOnce();
      const [first, second] = bodies('/next/grouped');
      assert.equal(first.events, undefined);
      assert.equal(first.event.title, 'api is down');
      assert.deepEqual(eventTitles(second), ['api is up', 'web is down', 'db is down']);
      assert.equal(second.event.title, '2 down, 1 recovered: api, web, db');
    });

    it('opens a new window for an event published after the last one closed, even if that one is unsent', async () => {
      await topicWith('late');
      await change('late', 'a', 'monitor.down');
      clock.advance(11_000);
      await change('late', 'b', 'monitor.down');
      await tocsin.outbox.runOnce();
      assert.deepEqual(bodies('/late/grouped').map(eventTitles), [['a is down']]);
      clock.advance(10_000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(bodies('/late/grouped').map(eventTitles), [['a is down'], ['b is down']]);
    });

    it('joins only a window opened within the current window length', async () => {
      const spec = (groupWindowSeconds: number) =>
        tocsin.topics.parseTopic({
          name: 'shrink',
          subscriptions: [
            { protocol: 'webhook', name: 'grouped', endpoint: `${receiver.url}/shrink/grouped`, groupWindowSeconds },
          ],
        });
      await tocsin.topics.create(spec(3600));
      const start = clock.now();
      await change('shrink', 'a', 'monitor.down');
      await tocsin.topics.replace('shrink', spec(10), { prune: false });
      clock.advance(20_000);
      await change('shrink', 'b', 'monitor.down');
      await change('shrink', 'c', 'monitor.down');
      const due = (await deliveries('shrink', 'pending')).map((d) => Date.parse(d.nextAttemptAt!)).sort();
      assert.deepEqual(due, [start + 30_000, start + 30_000, start + 3_600_000]);
    });

    it('retries a group as a whole and records every delivery of it', async () => {
      await topicWith('retry');
      let fail = true;
      receiver.respond = (req) => (req.path === '/retry/grouped' && fail ? { status: 503 } : { status: 200 });
      await change('retry', 'a', 'monitor.down');
      await change('retry', 'b', 'monitor.down');
      clock.advance(10_000);
      await tocsin.outbox.runOnce();
      const waiting = await deliveries('retry', 'pending');
      assert.equal(receiver.rejected.filter((r) => r.path === '/retry/grouped').length, 1, 'one request for the group');
      assert.equal(waiting.length, 2);
      assert.ok(waiting.every((d) => d.attempts === 1));
      assert.equal(new Set(waiting.map((d) => d.nextAttemptAt)).size, 1, 'both wait for the same retry');
      await change('retry', 'c', 'monitor.down');
      fail = false;
      clock.advance(10_000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(
        bodies('/retry/grouped').map(eventTitles),
        [['a is down', 'b is down'], ['c is down']],
        'the retried group stays whole, the next window stays apart',
      );
      const delivered = await deliveries('retry', 'delivered');
      assert.deepEqual(delivered.map((d) => d.attempts).sort(), [1, 2, 2]);
    });

    it('dead-letters a group as a whole, and sends each replayed delivery alone', async () => {
      await topicWith('dead');
      let reject = true;
      receiver.respond = (req) =>
        req.path === '/dead/grouped' && reject ? { status: 400, body: 'bad payload' } : { status: 200 };
      for (const name of ['a', 'b', 'c']) await change('dead', name, 'monitor.down');
      clock.advance(10_000);
      await tocsin.outbox.runOnce();
      const dead = await deliveries('dead', 'dead');
      assert.equal(dead.length, 3);
      assert.ok(dead.every((d) => d.lastStatus === 400 && d.lastError === 'status 400: bad payload'));
      reject = false;
      assert.equal((await tocsin.deliveries.replayDead({ topic: 'dead', subscription: 'grouped' })).replayed, 3);
      await tocsin.outbox.runOnce();
      assert.deepEqual(bodies('/dead/grouped').map(eventTitles), [['a is down'], ['b is down'], ['c is down']]);
    });

    it('carries at most 100 events a message, and keeps a window whole across the batches it is read in', async () => {
      await topicWith('big');
      await change('big', 'first', 'monitor.down');
      clock.advance(10_000);
      for (let i = 0; i < 130; i++) await change('big', `s${i}`, 'monitor.down');
      clock.advance(10_000);
      await tocsin.outbox.runOnce();
      const sizes = bodies('/big/grouped').map((b) => eventTitles(b).length);
      assert.deepEqual(sizes, [1, 100, 30]);
      assert.deepEqual(bodies('/big/grouped').flatMap(eventTitles).slice(0, 3), [
        'first is down',
        's0 is down',
        's1 is down',
      ]);
      assert.equal((await deliveries('big', 'delivered')).length, 131);
    });

    it('refuses a group window for PagerDuty, saying why', async () => {
      await topicWith('pd');
      const res = await call(tocsin, 'POST', '/api/topics/pd/subscriptions', {
        protocol: 'pagerduty',
        routingKey: 'k',
        groupWindowSeconds: 10,
      });
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /groupWindowSeconds: PagerDuty cannot group events/);
    });

    it('refuses a window outside 1 to 3600 seconds', async () => {
      await topicWith('range');
      for (const groupWindowSeconds of [0, 3601, 1.5]) {
        const res = await call(tocsin, 'POST', '/api/topics/range/subscriptions', {
          protocol: 'webhook',
          name: `w${groupWindowSeconds}`,
          endpoint: `${receiver.url}/x`,
          groupWindowSeconds,
        });
        assert.equal(res.status, 400, `groupWindowSeconds ${groupWindowSeconds}`);
        assert.match(res.json.error.message, /groupWindowSeconds/);
      }
    });
  });
}
