import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { isResolution } from './message-format.js';
import { PAGERDUTY_ENDPOINT, pagerdutyAction, pagerdutyChannel } from './pagerduty-channel.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);
const routingKey = 'R0UTINGKEY0123456789abcdefABCDEF';
const accepted = {
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'monitor:api-health' }),
};

function request(endpoint: string | undefined, event: Partial<TocsinEvent> = {}): SendRequest {
  return {
    deliveryId: 'd-1',
    purpose: 'event',
    attempt: 1,
    event: {
      id: 'e-1',
      topic: 'ops',
      time,
      kind: 'monitor.down',
      severity: 'critical',
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod', component: 'api' } },
      title: 'API is down',
      text: 'answered 503 twice',
      attributes: { status: 503, url: 'https://api.example.com/health' },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'pagerduty', routingKey, ...(endpoint ? { endpoint } : {}) },
    subscriptionName: 'oncall',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('pagerduty channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let endpoint: string;

  before(async () => {
    receiver = await TestReceiver.start();
    endpoint = `${receiver.url}/v2/enqueue`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(accepted));

  it('triggers with the Events API v2 body and takes 202 as delivered', async () => {
    const outcome = await pagerdutyChannel.send(request(endpoint));
    assert.deepEqual(outcome, { ok: true, status: 202 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v2/enqueue');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: 'monitor:api-health',
      payload: {
        summary: 'API is down',
        source: 'api-health',
        severity: 'critical',
        timestamp: '2025-01-02T03:04:05.000Z',
        component: 'api',
        group: 'monitor',
        class: 'monitor.down',
        custom_details: { status: 503, url: 'https://api.example.com/health', text: 'answered 503 twice' },
      },
      client: 'Tocsin',
    });
  });

  it('resolves with the same dedup key when the problem ends', async () => {
    await pagerdutyChannel.send(
      request(endpoint, { kind: 'monitor.up', severity: 'ok', title: 'API is up', text: '', attributes: {} }),
    );
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.event_action, 'resolve');
    assert.equal(body.dedup_key, 'monitor:api-health');
    assert.equal(body.payload.severity, 'info', 'PagerDuty has no ok severity');
    assert.deepEqual(body.payload.custom_details, {});
  });

  it('resolves on ok severity or a kind ending in .up, .ok or .resolved', () => {
    const cases: [Pick<TocsinEvent, 'severity' | 'kind'>, 'trigger' | 'resolve'][] = [
      [{ severity: 'ok', kind: 'monitor.down' }, 'resolve'],
      [{ severity: 'info', kind: 'monitor.up' }, 'resolve'],
      [{ severity: 'info', kind: 'heartbeat.ok' }, 'resolve'],
      [{ severity: 'warning', kind: 'alarm.resolved' }, 'resolve'],
      [{ severity: 'info', kind: 'monitor.upgraded' }, 'trigger'],
      [{ severity: 'warning', kind: 'alarm.firing' }, 'trigger'],
      [{ severity: 'info', kind: 'log.match' }, 'trigger'],
    ];
    for (const [event, action] of cases) {
      assert.equal(pagerdutyAction(event), action, `${event.severity} ${event.kind}`);
      assert.equal(isResolution(event), action === 'resolve');
    }
  });

  it('maps each severity of a trigger', async () => {
    for (const severity of ['critical', 'error', 'warning', 'info'] as const) {
      receiver.reset();
      await pagerdutyChannel.send(request(endpoint, { severity }));
      assert.equal(JSON.parse(receiver.single().body).payload.severity, severity);
    }
  });

  it('cuts the summary to 1024 characters', async () => {
    await pagerdutyChannel.send(request(endpoint, { title: 'y'.repeat(3000) }));
    const summary = JSON.parse(receiver.single().body).payload.summary as string;
    assert.equal(summary.length, 1024);
  });

  it("dead-letters an invalid event with PagerDuty's message and errors", async () => {
    receiver.answer({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["'routing_key' is invalid"],
      }),
    });
    const outcome = await pagerdutyChannel.send(request(endpoint));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: false,
      status: 400,
      error: "pagerduty answered 400 invalid event: Event object is invalid ('routing_key' is invalid)",
      retryAfterMs: undefined,
    });
  });

  it('retries 429 with Retry-After and 5xx', async () => {
    receiver.answer(
      {
        status: 429,
        headers: { 'retry-after': '7' },
        body: JSON.stringify({
          status: 'throttle exceeded',
          message: 'Requests for this service are arriving too quickly.',
        }),
      },
      { status: 502, body: '<html>Bad Gateway</html>' },
    );
    const throttled = await pagerdutyChannel.send(request(endpoint));
    assert.deepEqual(throttled, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'pagerduty answered 429 throttle exceeded: Requests for this service are arriving too quickly.',
      retryAfterMs: 7000,
    });
    const broken = await pagerdutyChannel.send(request(endpoint));
    assert.equal(broken.ok, false);
    if (broken.ok) return;
    assert.equal(broken.retryable, true);
    assert.equal(broken.error, 'pagerduty answered 502: <html>Bad Gateway</html>');
  });

  it('retries when nothing listens', async () => {
    const outcome = await pagerdutyChannel.send(request(`${await refusedUrl()}/v2/enqueue`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('keys the rate budget by endpoint and a hash of the routing key, never the key', () => {
    const key = pagerdutyChannel.destinationKey({ routingKey, endpoint });
    assert.match(key, new RegExp(`^${endpoint}#[0-9a-f]{12}$`));
    assert.ok(!key.includes(routingKey));
    assert.notEqual(key, pagerdutyChannel.destinationKey({ routingKey: `${routingKey}x`, endpoint }));
    assert.ok(pagerdutyChannel.destinationKey({ routingKey }).startsWith(`${PAGERDUTY_ENDPOINT}#`));
    assert.equal(pagerdutyChannel.defaultRateLimit, undefined);
  });
});
