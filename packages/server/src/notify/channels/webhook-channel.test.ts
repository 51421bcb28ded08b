import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { SendRequest } from './channel.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { webhookChannel } from './webhook-channel.js';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);
const secret = 'correct horse battery staple';

function request(endpoint: string, spec: Record<string, unknown> = {}): SendRequest {
  return {
    deliveryId: 'd-42',
    purpose: 'event',
    attempt: 3,
    event: {
      id: 'e-7',
      topic: 'ops',
      time,
      kind: 'monitor.down',
      severity: 'error',
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      title: 'API is down',
      text: 'answered 503',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
    },
    spec: { protocol: 'webhook', endpoint, ...spec },
    subscriptionName: 'hook',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

/** What a receiver does: checks `t=…,v1=…` against the raw body, in constant time. */
function verifySignature(header: string, body: string, key: string): { valid: boolean; t: number } {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  const expected = createHmac('sha256', key).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return { valid: given.length === expected.length && timingSafeEqual(given, expected), t };
}

describe('webhook channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let endpoint: string;

  before(async () => {
    receiver = await TestReceiver.start();
    endpoint = `${receiver.url}/hooks/tocsin?team=ops`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 204 }));

  it('posts the documented body with the delivery headers', async () => {
    const outcome = await webhookChannel.send(request(endpoint, { headers: { Authorization: 'Bearer abc' } }));
    assert.deepEqual(outcome, { ok: true, status: 204 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/tocsin?team=ops');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-tocsin-delivery'], 'd-42');
    assert.equal(req.headers['x-tocsin-event'], 'e-7');
    assert.equal(req.headers['x-tocsin-dedup-key'], 'monitor:api-health');
    assert.equal(req.headers.authorization, 'Bearer abc');
    assert.equal(req.headers['x-tocsin-signature'], undefined, 'no secret, no signature');
    assert.deepEqual(JSON.parse(req.body), {
      deliveryId: 'd-42',
      attempt: 3,
      subscription: 'hook',
      event: {
        id: 'e-7',
        topic: 'ops',
        time: '2025-01-02T03:04:05.000Z',
        kind: 'monitor.down',
        severity: 'error',
        source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
        title: 'API is down',
        text: 'answered 503',
        attributes: { status: 503 },
        dedupKey: 'monitor:api-health',
      },
    });
  });

  it('signs the raw body with HMAC-SHA256 over timestamp.body', async () => {
    const before = Math.floor(Date.now() / 1000);
    await webhookChannel.send(request(endpoint, { secret }));
    const after = Math.floor(Date.now() / 1000);
    const req = receiver.single();
    const header = String(req.headers['x-tocsin-signature']);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    const check = verifySignature(header, req.body, secret);
    assert.ok(check.valid, 'the signature verifies with the secret');
    assert.ok(check.t >= before && check.t <= after, 'the timestamp is the time of sending');
    assert.equal(verifySignature(header, req.body, `${secret}!`).valid, false, 'another secret fails');
    assert.equal(verifySignature(header, req.body.replace('503', '504'), secret).valid, false, 'a changed body fails');
  });

  it('posts a group as the summary event and the list of events, each as a single event has it', async () => {
    const events = monitorChanges(3, time);
    await webhookChannel.send(groupRequest(request(endpoint, { secret }), events));
    const req = receiver.single();
    const body = JSON.parse(req.body);
    assert.equal(body.deliveryId, 'd-42');
    assert.equal(body.event.kind, 'digest');
    assert.equal(body.event.title, '2 down, 1 recovered: site-0, site-1, site-2');
    assert.equal(body.event.severity, 'critical');
    assert.deepEqual(body.event.attributes, { count: 3 });
    assert.equal(body.event.text.split('\n').length, 3);
    assert.equal(body.events.length, 3);
    assert.deepEqual(body.events[2], {
      id: 'e-2',
      topic: 'ops',
      time: '2025-01-02T03:04:07.000Z',
      kind: 'monitor.up',
      severity: 'ok',
      source: { type: 'monitor', name: 'site-2', tags: { env: 'prod' } },
      title: 'site-2 is up again',
      text: 'https://site-2.example.com/health: answered 200 after 2m',
      attributes: { statusCode: 200 },
      dedupKey: 'monitor/site-2',
    });
    assert.equal(req.headers['x-tocsin-event'], 'e-0');
    assert.equal(req.headers['x-tocsin-dedup-key'], 'monitor/site-0');
    assert.ok(
      verifySignature(String(req.headers['x-tocsin-signature']), req.body, secret).valid,
      'a group is signed like any body',
    );
  });

  it('dead-letters 4xx and retries 429 and 5xx', async () => {
    receiver.answer(
      { status: 410, body: 'gone' },
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, body: 'busy' },
    );
    assert.deepEqual(await webhookChannel.send(request(endpoint)), {
      ok: false,
      retryable: false,
      status: 410,
      error: 'status 410: gone',
      retryAfterMs: undefined,
    });
    assert.deepEqual(await webhookChannel.send(request(endpoint)), {
      ok: false,
      retryable: true,
      status: 429,
      error: 'status 429',
      retryAfterMs: 7000,
    });
    assert.deepEqual(await webhookChannel.send(request(endpoint)), {
      ok: false,
      retryable: true,
      status: 503,
      error: 'status 503: busy',
      retryAfterMs: undefined,
    });
  });

  it('retries when nothing listens', async () => {
    const outcome = await webhookChannel.send(request(`${await refusedUrl()}/hook`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('retries a receiver that does not answer in time', async () => {
    receiver.answer({ status: 200, hang: true });
    const outcome = await webhookChannel.send({ ...request(endpoint), timeoutMs: 200 });
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'timeout after 200 ms' });
  });
});
