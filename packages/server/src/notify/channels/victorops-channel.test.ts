import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { configFileSchema, subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import {
  VICTOROPS_DISPLAY_NAME_MAX,
  VICTOROPS_ENDPOINT,
  VICTOROPS_STATE_MESSAGE_MAX,
  victoropsChannel,
  victoropsMessageType,
  victoropsUrl,
} from './victorops-channel.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);
const apiKey = '5f1e9b2c-0d3a-4c8e-9b1f-2a7c6d5e4f30';
const routingKey = 'database';
const success = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ result: 'success', entity_id: 'monitor:api-health' }),
};

function request(endpoint: string, event: Partial<TocsinEvent> = {}): SendRequest {
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
      source: { type: 'monitor', name: 'api-health', tags: {} },
      title: 'API is down',
      text: 'answered 503 twice',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'victorops', apiKey, routingKey, endpoint },
    subscriptionName: 'oncall',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('victorops channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let endpoint: string;

  before(async () => {
    receiver = await TestReceiver.start();
    endpoint = `${receiver.url}/integrations/generic/20131114/alert`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(success));

  it('posts a CRITICAL to {endpoint}/{apiKey}/{routingKey} with the dedup key as entity_id', async () => {
    const outcome = await victoropsChannel.send(request(endpoint));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/integrations/generic/20131114/alert/${apiKey}/${routingKey}`);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      message_type: 'CRITICAL',
      entity_id: 'monitor:api-health',
      entity_display_name: 'API is down',
      state_message: 'answered 503 twice\n\nstatus: 503',
      state_start_time: Math.floor(time / 1000),
      monitoring_tool: 'Tocsin',
      tocsin_topic: 'ops',
      tocsin_kind: 'monitor.down',
      tocsin_source: 'monitor/api-health',
      tocsin_severity: 'critical',
    });
  });

  it('sends RECOVERY with the same entity_id when the problem ends', async () => {
    await victoropsChannel.send(request(endpoint, { kind: 'monitor.up', severity: 'ok', title: 'API is up' }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.message_type, 'RECOVERY');
    assert.equal(body.entity_id, 'monitor:api-health');
  });

  it('maps severities to message types', () => {
    const cases: [Pick<TocsinEvent, 'severity' | 'kind'>, string][] = [
      [{ severity: 'critical', kind: 'monitor.down' }, 'CRITICAL'],
      [{ severity: 'error', kind: 'alarm.firing' }, 'CRITICAL'],
      [{ severity: 'warning', kind: 'alarm.firing' }, 'WARNING'],
      [{ severity: 'info', kind: 'log.match' }, 'INFO'],
      [{ severity: 'warning', kind: 'alarm.resolved' }, 'RECOVERY'],
      [{ severity: 'ok', kind: 'heartbeat.late' }, 'RECOVERY'],
    ];
    for (const [event, type] of cases)
      assert.equal(victoropsMessageType(event), type, `${event.severity} ${event.kind}`);
  });

  it('cuts the display name and the state message with a mark', async () => {
    await victoropsChannel.send(request(endpoint, { title: 'T'.repeat(5000), text: 's'.repeat(60_000) }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.entity_display_name.length, VICTOROPS_DISPLAY_NAME_MAX);
    assert.ok(body.entity_display_name.endsWith('…'));
    assert.equal(body.state_message.length, VICTOROPS_STATE_MESSAGE_MAX);
    assert.ok(body.state_message.endsWith('…'));
  });

  it('dead-letters a 200 whose result is failure, and a 400, with the endpoint’s message', async () => {
    receiver.answer(
      { status: 200, body: JSON.stringify({ result: 'failure', message: 'Missing fields: message_type' }) },
      { status: 400, body: JSON.stringify({ result: 'failure', message: 'Invalid JSON' }) },
      { status: 404, body: 'Not Found' },
    );
    assert.deepEqual(await victoropsChannel.send(request(endpoint)), {
      ok: false,
      retryable: false,
      status: 200,
      error: 'victorops answered 200 failure: Missing fields: message_type',
    });
    const bad = await victoropsChannel.send(request(endpoint));
    assert.equal(!bad.ok && bad.retryable, false);
    assert.equal(!bad.ok && bad.error, 'victorops answered 400 failure: Invalid JSON');
    const unknownKey = await victoropsChannel.send(request(endpoint));
    assert.equal(
      !unknownKey.ok && unknownKey.error,
      'victorops answered 404: Not Found (check the API key and the endpoint)',
    );
  });

  it('retries 429 with Retry-After, 5xx and a refused connection', async () => {
    receiver.answer(
      { status: 429, headers: { 'retry-after': '5' }, body: 'Too Many Requests' },
      { status: 502, body: 'Bad Gateway' },
    );
    const throttled = await victoropsChannel.send(request(endpoint));
    assert.deepEqual(throttled, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'victorops answered 429: Too Many Requests',
      retryAfterMs: 5000,
    });
    const broken = await victoropsChannel.send(request(endpoint));
    assert.equal(!broken.ok && broken.retryable, true);
    const refused = await victoropsChannel.send(request(`${await refusedUrl()}/alert`));
    assert.deepEqual(refused, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('builds the default URL and keys the budget without the keys', () => {
    assert.equal(victoropsUrl({ apiKey: 'k', routingKey: 'r/x' }), `${VICTOROPS_ENDPOINT}/k/r%2Fx`);
    const key = victoropsChannel.destinationKey({ apiKey, routingKey });
    assert.ok(key.startsWith(`${VICTOROPS_ENDPOINT}#`));
    assert.ok(!key.includes(apiKey) && !key.includes(routingKey));
    assert.notEqual(key, victoropsChannel.destinationKey({ apiKey, routingKey: 'web' }));
  });

  it('names a wrong field by its path, in the API body and the config file', () => {
    const body = subscriptionInputSchema.safeParse({ protocol: 'victorops', apiKey, routingKey, routing: 'x' });
    assert.equal(body.success, false);
    const issue = body.error?.issues[0];
    assert.equal(issue?.code, 'unrecognized_keys');
    assert.deepEqual(issue?.code === 'unrecognized_keys' && issue.keys, ['routing']);
    const missing = subscriptionInputSchema.safeParse({ protocol: 'victorops', apiKey });
    assert.deepEqual(missing.error?.issues[0].path, ['routingKey']);
    const config = configFileSchema.safeParse({
      version: 1,
      topics: [{ name: 'ops', subscriptions: [{ protocol: 'victorops', apiKey, routingKey, endpoint: 'ftp://x' }] }],
    });
    assert.deepEqual(config.error?.issues[0].path, ['topics', 0, 'subscriptions', 0, 'endpoint']);
  });
});
