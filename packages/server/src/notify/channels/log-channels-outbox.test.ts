import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../../app.js';
import { FakeClock } from '../../core/clock.js';
import { TestReceiver } from '../../test-support/scripted-receiver.js';
import { call, createTestApp } from '../../test-support/test-app.js';

const noJitter = { baseMs: 1000, maxMs: 60_000, factor: 2 };

describe('log channels through the outbox', { timeout: 30_000 }, () => {
  let receiver: TestReceiver;
  let clock: FakeClock;
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;

  before(async () => {
    receiver = await TestReceiver.start({ status: 204 });
    clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
    ({ tocsin, dispose } = await createTestApp('sqlite', { clock, outbox: { backoff: noJitter } }));
  });
  after(async () => {
    await dispose();
    await receiver.close();
  });

  it('retries a 429 (after its Retry-After) and a 500, then delivers the lines; the secret stays hidden', async () => {
    const res = await call(tocsin, 'PUT', '/api/topics/forward', {
      name: 'forward',
      subscriptions: [
        { name: 'loki', protocol: 'loki', endpoint: receiver.url, password: 'p4ss', username: 'u' },
        {
          name: 'dd',
          protocol: 'datadog_logs',
          apiKey: 'dd-secret-key',
          endpoint: receiver.url,
          groupWindowSeconds: 60,
        },
      ],
    });
    assert.ok(res.status < 300, res.text);
    assert.ok(!res.text.includes('p4ss') && !res.text.includes('dd-secret-key'), 'secrets never in answers');
    await tocsin.publisher.publish('forward', {
      kind: 'log.match',
      severity: 'error',
      title: 'Timeouts',
      attributes: { rule: 'timeouts', group: 'lambda', samples: [{ time: clock.now(), message: 'timed out' }] },
    });
    // Each queue in turn (Datadog's waits for its group window): 429 with Retry-After, then 500, then accepted.
    for (const path of ['/loki/api/v1/push', '/api/v2/logs']) {
      const before = receiver.requests.length;
      receiver.answer({ status: 429, headers: { 'retry-after': '5' } }, { status: 500 });
      const queue = () => receiver.requests.slice(before).filter((r) => r.path === path);
      for (let i = 0; i < 30 && queue().length < 3; i++) {
        await tocsin.outbox.runOnce();
        clock.advance(5000);
      }
      assert.equal(queue().length, 3, path);
      assert.match(gunzipSync(queue()[2].raw).toString('utf8'), /timed out/);
    }
    const delivered = await tocsin.deliveries.list({ topic: 'forward', status: 'delivered' });
    assert.equal(delivered.length, 2);
    assert.ok(delivered.every((d) => d.attempts === 3));
    const bodies = receiver.requests.map((r) => gunzipSync(r.raw).toString('utf8'));
    assert.ok(bodies.some((b) => b.includes('"tocsin_origin"')));
    assert.ok(bodies.some((b) => b.includes('"tocsin.origin"')));
  });
});
