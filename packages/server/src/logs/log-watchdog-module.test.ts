import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import type { PipelineStatusPart } from './log-pipeline.js';
import type { LogWatchdogModule } from './log-watchdog-module.js';
import { pipelineStatus } from './watchdog/pipeline-status-routes.js';

for (const variant of await testDatabases()) {
  describe(`log watchdog module on ${variant.name}`, { timeout: 30_000 }, () => {
    let receiver: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let module: LogWatchdogModule | undefined;

    before(async () => {
      receiver = await new HttpReceiver().start();
      receiver.respond = (req) => (req.path.startsWith('/broken') ? { status: 400, body: 'no' } : { status: 200 });
      clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
        flags: { 'node-id': 'node-a', 'watchdog-window': '1m' },
      }));
      module = tocsin.modules.find((m) => m.name === 'log-watchdog') as LogWatchdogModule;
      const topic = (name: string, path: string) =>
        tocsin.topics.create(
          tocsin.topics.parseTopic({
            name,
            subscriptions: [{ name: 'hook', protocol: 'webhook', endpoint: `${receiver.url}${path}` }],
          }),
        );
      await topic('pipeline-watchdog', '/watchdog');
      await topic('errors', '/broken/errors');
    });
    after(async () => {
      await dispose();
      await receiver.stop();
    });

    const watchdogEvents = () =>
      receiver.requests.filter((r) => r.path === '/watchdog').map((r) => r.json().event as Record<string, any>);

    it('raises a dead-lettered delivery on the watchdog topic, its delivery marked with the origin', async () => {
      await tocsin.publisher.publish('errors', { kind: 'log.match', title: 'Timeouts' });
      await tocsin.outbox.runOnce();
      assert.equal(receiver.rejected.length, 1);
      assert.equal(receiver.rejected[0].headers['x-tocsin-origin'], 'node-a', 'every delivery carries the origin');
      await module?.watchdog.check();
      await tocsin.outbox.runOnce();
      const [event] = watchdogEvents();
      assert.equal(event.kind, 'pipeline.dead_letter');
      assert.equal(event.title, '1 delivery dead-lettered in the last 1m');
      assert.deepEqual(event.attributes.by, { 'errors/hook': 1 });
      assert.equal(receiver.requests.find((r) => r.path === '/watchdog')?.headers['x-tocsin-origin'], 'node-a');
    });

    it('raises at most once a window, and never for the dead letters of its own topic', async () => {
      await tocsin.publisher.publish('errors', { kind: 'log.match', title: 'Timeouts again' });
      await tocsin.outbox.runOnce();
      await module?.watchdog.check();
      assert.equal(watchdogEvents().length, 1, 'inside the window: counted, not raised');
      clock.advance(60_000);
      await module?.watchdog.check();
      await tocsin.outbox.runOnce();
      assert.deepEqual(
        watchdogEvents().map((e) => e.attributes.count),
        [1, 1],
      );
      // The watchdog's own destination breaks: its dead letters are counted, never raised.
      receiver.respond = (req) =>
        req.path === '/watchdog' || req.path.startsWith('/broken') ? { status: 400 } : { status: 200 };
      await tocsin.publisher.publish('errors', { kind: 'log.match', title: 'And again' });
      await tocsin.outbox.runOnce();
      clock.advance(60_000);
      await module?.watchdog.check();
      await tocsin.outbox.runOnce();
      clock.advance(60_000);
      await module?.watchdog.check();
      await tocsin.outbox.runOnce();
      const status = module?.watchdog.status();
      assert.equal(status?.ownDeadLetters, 1);
      assert.deepEqual(status?.pending, {});
      assert.deepEqual(status?.raised, { dead_letter: 3 });
    });

    it('answers GET /api/logs/pipeline with every part, read scope', async () => {
      const res = await call(tocsin, 'GET', '/api/logs/pipeline');
      assert.equal(res.status, 200);
      assert.equal(res.json.parts.watchdog.topic, 'pipeline-watchdog');
      assert.equal(res.json.parts.watchdog.windowMs, 60_000);
      assert.deepEqual(res.json.parts.watchdog.raised, { dead_letter: 3 });
      assert.equal((await call(tocsin, 'GET', '/api/logs/pipeline', undefined, null)).status, 401);
    });
  });
}

describe('pipeline status', () => {
  it('shows each part by name, and a part that throws as its error', () => {
    const parts: PipelineStatusPart[] = [
      { name: 'ingest', status: () => ({ ingested: { ndjson: 3 } }) },
      {
        name: 'storage',
        status: () => {
          throw new Error('the writer is closed');
        },
      },
    ];
    assert.deepEqual(pipelineStatus(parts), {
      ingest: { ingested: { ndjson: 3 } },
      storage: { error: 'the writer is closed' },
    });
  });
});
