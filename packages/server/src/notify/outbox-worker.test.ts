import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver, waitFor } from '../test-support/http-receiver.js';
import { createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import type { Tocsin } from '../app.js';
import { OUTBOX_JOB } from './outbox-worker.js';

const noJitter = { baseMs: 1000, maxMs: 60_000, factor: 2 };

for (const variant of await testDatabases()) {
  describe(`outbox on ${variant.name}`, () => {
    let receiver: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      receiver = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
        outbox: { backoff: noJitter, maxAttempts: 50 },
      }));
    });
    after(async () => {
      await dispose();
      await receiver.stop();
    });

    async function topicWith(name: string, subscriptions: unknown[]): Promise<void> {
      await tocsin.topics.create(tocsin.topics.parseTopic({ name, subscriptions }));
    }
    const publish = (topic: string, title: string, extra: Record<string, unknown> = {}) =>
      tocsin.publisher.publish(topic, { kind: 'test', title, ...extra });
    const titles = (path: string) => receiver.requests.filter((r) => r.path === path).map((r) => r.json().event.title);

    it('delivers in order and records each delivery', async () => {
      await topicWith('ordered', [{ protocol: 'webhook', endpoint: `${receiver.url}/ordered` }]);
      for (let i = 0; i < 5; i++) await publish('ordered', `e${i}`);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/ordered'), ['e0', 'e1', 'e2', 'e3', 'e4']);
      const delivered = await tocsin.deliveries.list({ topic: 'ordered', status: 'delivered' });
      assert.equal(delivered.length, 5);
      assert.ok(delivered.every((d) => d.attempts === 1));
    });

    it('holds a queue behind a failing head and delivers all in order when the receiver comes back', async () => {
      await topicWith('outage', [{ protocol: 'webhook', endpoint: `${receiver.url}/outage` }]);
      let down = true;
      receiver.respond = (req) =>
        req.path === '/outage' && down ? { status: 503, body: 'down' } : { status: 200, body: 'ok' };
      for (let i = 0; i < 3; i++) await publish('outage', `o${i}`);
      // Two minutes of outage, the worker trying as backoff allows.
      for (let t = 0; t < 120; t += 5) {
        await tocsin.outbox.runOnce();
        if (t === 60) await publish('outage', 'o3');
        clock.advance(5000);
      }
      assert.deepEqual(titles('/outage'), []);
      const pending = await tocsin.deliveries.list({ topic: 'outage', status: 'pending' });
      assert.equal(pending.length, 4);
      down = false;
      clock.advance(60_000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/outage'), ['o0', 'o1', 'o2', 'o3']);
      receiver.respond = () => ({ status: 200, body: 'ok' });
    });

    it('dead-letters a 400 at once and replays it', async () => {
      await topicWith('bad', [{ protocol: 'webhook', endpoint: `${receiver.url}/bad` }]);
      let reject = true;
      receiver.respond = (req) =>
        req.path === '/bad' && reject ? { status: 400, body: 'no such hook' } : { status: 200 };
      await publish('bad', 'b0');
      await publish('bad', 'b1');
      await tocsin.outbox.runOnce();
      const dead = await tocsin.deliveries.list({ topic: 'bad', status: 'dead' });
      assert.equal(dead.length, 2, 'a permanent failure does not hold the queue');
      assert.match(dead[0].lastError ?? '', /status 400: no such hook/);
      assert.equal(dead[0].lastStatus, 400);
      reject = false;
      await tocsin.deliveries.replay(dead[1].id);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/bad'), ['b0']);
      assert.equal((await tocsin.deliveries.replayDead({ topic: 'bad' })).replayed, 1);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/bad'), ['b0', 'b1']);
      receiver.respond = () => ({ status: 200, body: 'ok' });
    });

    it('waits as long as Retry-After asks', async () => {
      await topicWith('slow', [{ protocol: 'webhook', endpoint: `${receiver.url}/slow` }]);
      let calls = 0;
      receiver.respond = (req) =>
        req.path === '/slow' && calls++ === 0 ? { status: 429, headers: { 'retry-after': '30' } } : { status: 200 };
      await publish('slow', 's0');
      await tocsin.outbox.runOnce();
      const [d] = await tocsin.deliveries.list({ topic: 'slow' });
      assert.equal(d.status, 'pending');
      assert.ok(Date.parse(d.nextAttemptAt!) - clock.now() >= 30_000, 'next attempt is at least 30 s away');
      clock.advance(29_000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/slow'), []);
      clock.advance(1_500);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/slow'), ['s0']);
      receiver.respond = () => ({ status: 200, body: 'ok' });
    });

    it('gives up after the attempt limit of a subscription', async () => {
      await topicWith('limited', [
        { protocol: 'webhook', endpoint: `${receiver.url}/limited`, retry: { maxAttempts: 3 } },
      ]);
      receiver.respond = (req) => (req.path === '/limited' ? { status: 500, body: 'boom' } : { status: 200 });
      await publish('limited', 'l0');
      for (let i = 0; i < 6; i++) {
        await tocsin.outbox.runOnce();
        clock.advance(60_000);
      }
      const [d] = await tocsin.deliveries.list({ topic: 'limited' });
      assert.equal(d.status, 'dead');
      assert.equal(d.attempts, 3);
      assert.match(d.lastError ?? '', /gave up after 3 attempts/);
      receiver.respond = () => ({ status: 200, body: 'ok' });
    });

    it('sends only what a filter lets through, and nothing to pending e-mail subscriptions', async () => {
      await topicWith('filtered', [
        {
          protocol: 'webhook',
          name: 'down-only',
          endpoint: `${receiver.url}/down-only`,
          filter: { kinds: ['monitor.*'], severities: ['critical'] },
        },
        { protocol: 'email', endpoint: 'ops@example.com' },
      ]);
      await publish('filtered', 'f0', { kind: 'monitor.down', severity: 'critical' });
      await publish('filtered', 'f1', { kind: 'monitor.up', severity: 'ok' });
      await publish('filtered', 'f2', { kind: 'heartbeat.down', severity: 'critical' });
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/down-only'), ['f0']);
      const mail = await tocsin.deliveries.list({ topic: 'filtered', subscription: 'ops@example.com' });
      assert.deepEqual(
        mail.map((d) => d.purpose),
        ['confirmation'],
        'only the confirmation request is queued for a pending address',
      );
    });

    it('spaces out deliveries to a rate-limited destination instead of failing them', async () => {
      await topicWith('limited-rate', [{ protocol: 'webhook', endpoint: `${receiver.url}/rl`, rateLimit: 1 }]);
      for (let i = 0; i < 3; i++) await publish('limited-rate', `r${i}`);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/rl'), ['r0']);
      clock.advance(1000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/rl'), ['r0', 'r1']);
      clock.advance(1000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/rl'), ['r0', 'r1', 'r2']);
      const rejected = receiver.rejected.filter((r) => r.path === '/rl');
      assert.equal(rejected.length, 0);
    });

    it('does not send a queue leased by another live node, and takes it over once the lease expires', async () => {
      await topicWith('leased', [{ protocol: 'webhook', endpoint: `${receiver.url}/leased` }]);
      const { subscriptions } = await tocsin.topics.get('leased');
      const { acquireLeases } = await import('./outbox-store.js');
      const taken = await acquireLeases(tocsin.handle.db, [subscriptions[0].id], 'other-node', clock.now(), 30_000);
      assert.deepEqual(taken, [subscriptions[0].id]);
      await publish('leased', 'x0');
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/leased'), []);
      clock.advance(31_000);
      await tocsin.outbox.runOnce();
      assert.deepEqual(titles('/leased'), ['x0']);
    });

    it('dead-letters what is still queued for a topic that is deleted, instead of keeping it pending', async () => {
      await topicWith('doomed', [{ protocol: 'webhook', endpoint: `${receiver.url}/doomed` }]);
      receiver.respond = (req) => (req.path === '/doomed' ? { status: 503 } : { status: 200 });
      await publish('doomed', 'd0');
      await tocsin.outbox.runOnce();
      const [queued] = await tocsin.deliveries.list({ topic: 'doomed', status: 'pending' });
      await tocsin.topics.remove('doomed');
      clock.advance(60_000);
      await tocsin.outbox.runOnce();
      const d = await tocsin.deliveries.get(queued.id);
      assert.equal(d.status, 'dead');
      assert.equal(d.lastError, 'the subscription (or alarm action) was deleted');
      receiver.respond = () => ({ status: 200, body: 'ok' });
    });
  });

  describe(`outbox rounds as a scheduler job on ${variant.name}`, () => {
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    /** A webhook receiver that holds its answers while `hold` is set. */
    let hold = false;
    const titles: string[] = [];
    const held: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        titles.push(JSON.parse(body).event.title);
        if (hold) held.push(res);
        else res.end('ok');
      });
    });
    const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const due = () => tocsin.scheduler.dueAt(OUTBOX_JOB, 'all');

    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock, outbox: { backoff: noJitter } }));
      const subscriptions = [{ protocol: 'webhook', endpoint: `${url()}/rounds` }];
      await tocsin.topics.create(tocsin.topics.parseTopic({ name: 'rounds', subscriptions }));
      tocsin.start();
    });
    after(async () => {
      await dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('looks again within the poll bound when idle, and a publish delivers at once with no time passing', async () => {
      const now = clock.now();
      await waitFor(() => due() === now + 1000, 'the idle round to be due one poll away');
      await tocsin.publisher.publish('rounds', { kind: 'test', title: 'w0' });
      await waitFor(() => titles.length === 1, 'the delivery');
      assert.equal(clock.now(), now, 'the fake clock did not move: the wake did it');
      const delivered = async () => (await tocsin.deliveries.list({ topic: 'rounds', status: 'delivered' })).length;
      await waitFor(async () => (await delivered()) === 1, 'the delivery recorded');
      await waitFor(() => due() === now + 1000, 'the next round one poll away again');
    });

    it('finishes the sends in flight when stopped, then schedules no more rounds', async () => {
      hold = true;
      await tocsin.publisher.publish('rounds', { kind: 'test', title: 'w1' });
      await waitFor(() => held.length === 1, 'the send to be in flight');
      let stopped = false;
      const stopping = tocsin.outbox.stop().then(() => (stopped = true));
      // Time for a stop that does not wait for its sends to resolve.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(stopped, false, 'stop waits while a send is in flight');
      held.shift()!.end('ok');
      await stopping;
      const delivered = await tocsin.deliveries.list({ topic: 'rounds', status: 'delivered' });
      assert.equal(delivered.length, 2, 'the send in flight was recorded before stop resolved');
      assert.equal(due(), undefined, 'no round scheduled after stop');
      hold = false;
      await tocsin.publisher.publish('rounds', { kind: 'test', title: 'w2' });
      assert.equal(due(), undefined, 'a wake after stop schedules nothing');
      assert.deepEqual(titles, ['w0', 'w1']);
    });

    // Shutdown stops the scheduler first; the last state changes still wake the outbox.
    it('sends at stop what a wake asked for after the scheduler stopped', async () => {
      await tocsin.scheduler.stop();
      tocsin.outbox.start();
      await tocsin.publisher.publish('rounds', { kind: 'test', title: 'w3' });
      assert.deepEqual(titles, ['w0', 'w1'], 'no round runs while the scheduler is stopped');
      await tocsin.outbox.stop();
      assert.deepEqual(titles, ['w0', 'w1', 'w2', 'w3'], 'the last round sent what was queued');
    });
  });
}
