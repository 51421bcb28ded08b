import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema } from '@tocsin/protocol';
import { recovery, sampleSendRequest, sampleTime } from '../../test-support/sample-send-request.js';
import { TestReceiver } from '../../test-support/scripted-receiver.js';
import {
  PUSHOVER_ENDPOINT,
  PUSHOVER_MESSAGE_MAX,
  PUSHOVER_TITLE_MAX,
  pushoverChannel,
  pushoverTag,
} from './pushover-channel.js';

const token = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const user = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
const accepted = {
  status: 200,
  headers: { 'content-type': 'application/json', 'x-limit-app-remaining': '9999' },
  body: JSON.stringify({ status: 1, request: '647d2300-702c-4b38-8b2f-d56326ae460b' }),
};

describe('pushover channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let spec: Record<string, unknown>;

  before(async () => {
    receiver = await TestReceiver.start();
    spec = { protocol: 'pushover', token, user, endpoint: `${receiver.url}/1/messages.json` };
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(accepted));

  it('posts token, user, title, message, priority and time to messages.json', async () => {
    const outcome = await pushoverChannel.send(
      sampleSendRequest(
        { ...spec, devices: ['phone', 'tablet'], sound: 'siren' },
        { attributes: { status: 503, url: 'https://api.example.com/health' } },
      ),
    );
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/1/messages.json');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      token,
      user,
      title: 'API is down',
      message:
        'answered 503 twice\n\nstatus: 503\nurl: https://api.example.com/health\n\n' +
        'monitor/api-health · critical · 2025-01-02T03:04:05.000Z · topic ops',
      priority: 1,
      timestamp: sampleTime / 1000,
      url: 'https://api.example.com/health',
      device: 'phone,tablet',
      sound: 'siren',
    });
  });

  it('maps severities to priorities, a resolution quiet', async () => {
    const cases = [
      [{ severity: 'critical' }, 1],
      [{ severity: 'error' }, 1],
      [{ severity: 'warning' }, 0],
      [{ severity: 'info' }, 0],
      [recovery, -1],
    ] as const;
    for (const [event, priority] of cases) {
      receiver.reset();
      await pushoverChannel.send(sampleSendRequest(spec, event));
      assert.equal(JSON.parse(receiver.single().body).priority, priority, JSON.stringify(event));
    }
  });

  it('sends critical events at emergency priority with retry, expire and a tag the resolution cancels', async () => {
    const emergency = { ...spec, emergency: true, emergencyRetry: 120, emergencyExpire: 7200 };
    await pushoverChannel.send(sampleSendRequest(emergency));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.priority, 2);
    assert.equal(body.retry, 120);
    assert.equal(body.expire, 7200);
    assert.equal(body.tags, pushoverTag('monitor:api-health'));
    receiver.reset(accepted);
    await pushoverChannel.send(sampleSendRequest({ ...spec, emergency: true }, { severity: 'warning' }));
    assert.equal(JSON.parse(receiver.single().body).priority, 0, 'only critical events are emergencies');

    receiver.reset(accepted);
    const outcome = await pushoverChannel.send(sampleSendRequest(emergency, recovery));
    assert.equal(outcome.ok, true);
    assert.equal(receiver.requests.length, 2);
    const [cancel, resolved] = receiver.requests;
    assert.equal(cancel.path, `/1/receipts/cancel_by_tag/${pushoverTag('monitor:api-health')}.json`);
    assert.deepEqual(JSON.parse(cancel.body), { token });
    assert.equal(JSON.parse(resolved.body).priority, -1);
  });

  it('cuts title and message to Pushover’s limits with a mark', async () => {
    await pushoverChannel.send(sampleSendRequest(spec, { title: 't'.repeat(400), text: 'x'.repeat(3000) }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.title.length, PUSHOVER_TITLE_MAX);
    assert.equal(body.message.length, PUSHOVER_MESSAGE_MAX);
    assert.ok(body.title.endsWith('…') && body.message.endsWith('…'));
  });

  it('dead-letters status 0 with Pushover’s errors', async () => {
    receiver.answer({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'invalid', errors: ['user identifier is not a valid user'], status: 0 }),
    });
    const outcome = await pushoverChannel.send(sampleSendRequest(spec));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: false,
      status: 400,
      error: 'pushover answered 400: user identifier is not a valid user',
      retryAfterMs: undefined,
    });
  });

  it('dead-letters 429 (over the monthly limit) and retries 5xx', async () => {
    receiver.answer(
      { status: 429, body: JSON.stringify({ status: 0, errors: ['application over quota'] }) },
      { status: 503, body: 'Service Unavailable' },
    );
    const quota = await pushoverChannel.send(sampleSendRequest(spec));
    assert.equal(quota.ok, false);
    if (quota.ok) return;
    assert.equal(quota.retryable, false);
    assert.equal(quota.error, 'pushover answered 429: the application is over its monthly message limit');
    const broken = await pushoverChannel.send(sampleSendRequest(spec));
    assert.deepEqual(broken, {
      ok: false,
      retryable: true,
      status: 503,
      error: 'pushover answered 503: Service Unavailable',
      retryAfterMs: undefined,
    });
  });

  it('keys the budget by a hash of the app token and defaults to the documented endpoint', () => {
    const key = pushoverChannel.destinationKey({ token, user });
    assert.ok(key.startsWith(`${PUSHOVER_ENDPOINT}#`));
    assert.ok(!key.includes(token));
  });

  it('names a wrong field', () => {
    const bad = subscriptionInputSchema.safeParse({ protocol: 'pushover', token, user, emergencyRetry: 5 });
    assert.deepEqual(bad.error?.issues[0].path, ['emergencyRetry']);
    const missing = subscriptionInputSchema.safeParse({ protocol: 'pushover', token });
    assert.deepEqual(missing.error?.issues[0].path, ['user']);
  });
});
