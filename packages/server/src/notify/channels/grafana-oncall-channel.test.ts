import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { configFileSchema, subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import {
  GRAFANA_ONCALL_MESSAGE_MAX,
  GRAFANA_ONCALL_TITLE_MAX,
  grafanaOncallChannel,
} from './grafana-oncall-channel.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);
const token = 'aBcD1234eFgH5678iJkL';

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
      attributes: { status: 503, url: 'https://api.example.com/health', imageUrl: 'https://img.example.com/p.png' },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'grafana_oncall', endpoint },
    subscriptionName: 'oncall',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('grafana_oncall channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let endpoint: string;

  before(async () => {
    receiver = await TestReceiver.start();
    endpoint = `${receiver.url}/integrations/v1/formatted_webhook/${token}/`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 200, body: 'Ok.' }));

  it('posts the formatted webhook fields with the dedup key as alert_uid and state alerting', async () => {
    const outcome = await grafanaOncallChannel.send(request(endpoint));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/integrations/v1/formatted_webhook/${token}/`);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      alert_uid: 'monitor:api-health',
      title: '[CRITICAL] API is down',
      state: 'alerting',
      message:
        'answered 503 twice\n\nstatus: 503\nurl: https://api.example.com/health\n' +
        'imageUrl: https://img.example.com/p.png\n\nmonitor/api-health · critical · 2026-01-02T03:04:05.000Z',
      severity: 'critical',
      kind: 'monitor.down',
      topic: 'ops',
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      image_url: 'https://img.example.com/p.png',
      link_to_upstream_details: 'https://api.example.com/health',
    });
  });

  it('sends state ok with the same alert_uid when the problem ends, and omits links it has not', async () => {
    await grafanaOncallChannel.send(
      request(endpoint, { kind: 'monitor.up', severity: 'ok', title: 'API is up', attributes: { url: 'ftp://x' } }),
    );
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.state, 'ok');
    assert.equal(body.alert_uid, 'monitor:api-health');
    assert.equal(body.title, '[RESOLVED] API is up');
    assert.equal('image_url' in body, false);
    assert.equal('link_to_upstream_details' in body, false);
  });

  it('cuts the title and the message with a mark', async () => {
    await grafanaOncallChannel.send(request(endpoint, { title: 'T'.repeat(3000), text: 'm'.repeat(50_000) }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.title.length, GRAFANA_ONCALL_TITLE_MAX);
    assert.ok(body.title.endsWith('…'));
    assert.equal(body.message.length, GRAFANA_ONCALL_MESSAGE_MAX);
    assert.ok(body.message.endsWith('…'));
  });

  it('dead-letters 403 and 400 with what OnCall said', async () => {
    receiver.answer(
      { status: 403, body: JSON.stringify({ detail: 'Integration is disabled' }) },
      { status: 400, body: JSON.stringify({ detail: 'JSON parse error' }) },
      { status: 404, body: JSON.stringify({ detail: 'Not found.' }) },
    );
    assert.deepEqual(await grafanaOncallChannel.send(request(endpoint)), {
      ok: false,
      retryable: false,
      status: 403,
      error: 'grafana_oncall answered 403: Integration is disabled',
      retryAfterMs: undefined,
    });
    const bad = await grafanaOncallChannel.send(request(endpoint));
    assert.equal(!bad.ok && bad.retryable, false);
    const gone = await grafanaOncallChannel.send(request(endpoint));
    assert.equal(!gone.ok && gone.error, 'grafana_oncall answered 404: Not found. (check the integration URL)');
  });

  it('retries 429 with Retry-After, 5xx and a refused connection', async () => {
    receiver.answer(
      { status: 429, headers: { 'retry-after': '30' }, body: JSON.stringify({ detail: 'Request was throttled.' }) },
      { status: 503, body: 'unavailable' },
    );
    assert.deepEqual(await grafanaOncallChannel.send(request(endpoint)), {
      ok: false,
      retryable: true,
      status: 429,
      error: 'grafana_oncall answered 429: Request was throttled.',
      retryAfterMs: 30_000,
    });
    const down = await grafanaOncallChannel.send(request(endpoint));
    assert.equal(!down.ok && down.retryable, true);
    const refused = await grafanaOncallChannel.send(request(`${await refusedUrl()}/integrations/v1/webhook/x/`));
    assert.deepEqual(refused, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('honours 300 alerts in 5 minutes an integration and keys the budget without the token', () => {
    assert.equal(grafanaOncallChannel.defaultRateLimit, 1);
    const k = grafanaOncallChannel.destinationKey({
      endpoint: `https://oncall.example.com/integrations/v1/x/${token}/`,
    });
    assert.match(k, /^https:\/\/oncall\.example\.com#[0-9a-f]{12}$/);
    assert.ok(!k.includes(token));
  });

  it('names a wrong field by its path, in the API body and the config file', () => {
    const missing = subscriptionInputSchema.safeParse({ protocol: 'grafana_oncall' });
    assert.deepEqual(missing.error?.issues[0].path, ['endpoint']);
    const config = configFileSchema.safeParse({
      version: 1,
      topics: [
        { name: 'ops', subscriptions: [{ protocol: 'grafana_oncall', endpoint: 'https://x/', groupWindowSeconds: 5 }] },
      ],
    });
    assert.deepEqual(config.error?.issues[0].path, ['topics', 0, 'subscriptions', 0, 'groupWindowSeconds']);
  });
});
