import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { configFileSchema, subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { SQUADCAST_MESSAGE_MAX, SQUADCAST_PAYLOAD_MAX_BYTES, squadcastChannel } from './squadcast-channel.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);
const key = '0d3a4c8e9b1f2a7c6d5e4f305f1e9b2c';
const accepted = { status: 202, body: '' };

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
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      title: 'API is down',
      text: 'answered 503 twice',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'squadcast', endpoint },
    subscriptionName: 'oncall',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('squadcast channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let endpoint: string;

  before(async () => {
    receiver = await TestReceiver.start();
    endpoint = `${receiver.url}/v2/incidents/api/${key}`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(accepted));

  it('triggers with message, description, tags, status and the dedup key as event_id', async () => {
    const outcome = await squadcastChannel.send(request(endpoint));
    assert.deepEqual(outcome, { ok: true, status: 202 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/v2/incidents/api/${key}`);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      message: 'API is down',
      description: 'answered 503 twice\n\nstatus: 503\n\nmonitor/api-health at 2026-01-02T03:04:05.000Z',
      tags: { env: 'prod', severity: 'critical', source: 'monitor/api-health', kind: 'monitor.down', topic: 'ops' },
      status: 'trigger',
      event_id: 'monitor:api-health',
    });
  });

  it('resolves the same event_id when the problem ends', async () => {
    await squadcastChannel.send(request(endpoint, { kind: 'monitor.up', severity: 'ok', title: 'API is up' }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.status, 'resolve');
    assert.equal(body.event_id, 'monitor:api-health');
    assert.equal(body.message, 'API is up');
  });

  it('keeps the whole payload within 30 KB by cutting the description, with a mark', async () => {
    await squadcastChannel.send(request(endpoint, { title: 'T'.repeat(2000), text: 'é"\n'.repeat(40_000) }));
    const req = receiver.single();
    assert.ok(req.raw.length <= SQUADCAST_PAYLOAD_MAX_BYTES, `${req.raw.length} bytes`);
    assert.ok(req.raw.length > SQUADCAST_PAYLOAD_MAX_BYTES - 64, 'the description uses the room it has');
    const body = JSON.parse(req.body);
    assert.equal(body.message.length, SQUADCAST_MESSAGE_MAX);
    assert.ok(body.message.endsWith('…'));
    assert.ok(body.description.endsWith('…'));
  });

  it('dead-letters 401, 400 and 413 with what Squadcast said', async () => {
    receiver.answer(
      { status: 401, body: JSON.stringify({ meta: { status: 401, error_message: 'invalid api key' } }) },
      { status: 400, body: JSON.stringify({ meta: { status: 400, error_message: 'message is required' } }) },
      { status: 413, body: 'Request Entity Too Large' },
    );
    assert.deepEqual(await squadcastChannel.send(request(endpoint)), {
      ok: false,
      retryable: false,
      status: 401,
      error: 'squadcast answered 401: invalid api key (check the webhook URL)',
      retryAfterMs: undefined,
    });
    const bad = await squadcastChannel.send(request(endpoint));
    assert.equal(!bad.ok && bad.error, 'squadcast answered 400: message is required');
    const large = await squadcastChannel.send(request(endpoint));
    assert.equal(!large.ok && large.retryable, false);
  });

  it('retries 429 with Retry-After, 5xx and a refused connection', async () => {
    receiver.answer(
      { status: 429, headers: { 'retry-after': '60' }, body: JSON.stringify({ message: 'rate limit exceeded' }) },
      { status: 500, body: 'oops' },
    );
    assert.deepEqual(await squadcastChannel.send(request(endpoint)), {
      ok: false,
      retryable: true,
      status: 429,
      error: 'squadcast answered 429: rate limit exceeded',
      retryAfterMs: 60_000,
    });
    const broken = await squadcastChannel.send(request(endpoint));
    assert.equal(!broken.ok && broken.retryable, true);
    const refused = await squadcastChannel.send(request(`${await refusedUrl()}/v2/incidents/api/${key}`));
    assert.deepEqual(refused, { ok: false, retryable: true, error: 'connection refused' });
  });

  it("honours the Free plan's 15 incidents a minute and keys the budget without the key", () => {
    assert.equal(squadcastChannel.defaultRateLimit, 0.25);
    const k = squadcastChannel.destinationKey({ endpoint: `https://api.squadcast.com/v2/incidents/api/${key}` });
    assert.match(k, /^https:\/\/api\.squadcast\.com#[0-9a-f]{12}$/);
    assert.ok(!k.includes(key));
  });

  it('names a wrong field by its path, in the API body and the config file', () => {
    const missing = subscriptionInputSchema.safeParse({ protocol: 'squadcast' });
    assert.deepEqual(missing.error?.issues[0].path, ['endpoint']);
    const config = configFileSchema.safeParse({
      version: 1,
      topics: [{ name: 'ops', subscriptions: [{ protocol: 'squadcast', endpoint: 'not a url' }] }],
    });
    assert.deepEqual(config.error?.issues[0].path, ['topics', 0, 'subscriptions', 0, 'endpoint']);
  });
});
