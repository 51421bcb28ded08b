import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema } from '@tocsin/protocol';
import { recovery, sampleSendRequest } from '../../test-support/sample-send-request.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';
import { NTFY_MESSAGE_MAX_BYTES, ntfyChannel } from './ntfy-channel.js';

const published = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'sPs71M8A2T', time: 1735787045, event: 'message', topic: 'ops-alerts' }),
};

function ntfyError(status: number, code: number, error: string) {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, http: status, error, link: 'https://ntfy.sh/docs/publish/#limitations' }),
  };
}

describe('ntfy channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let spec: Record<string, unknown>;

  before(async () => {
    receiver = await TestReceiver.start();
    spec = { protocol: 'ntfy', server: `${receiver.url}/`, topic: 'ops-alerts', accessToken: 'tk_secret' };
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(published));

  it('publishes JSON to the server root with topic, title, message, priority and tags', async () => {
    const outcome = await ntfyChannel.send(
      sampleSendRequest({ ...spec, click: 'https://status.example.com/', tags: ['prod'] }),
    );
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers.authorization, 'Bearer tk_secret');
    assert.deepEqual(JSON.parse(req.body), {
      topic: 'ops-alerts',
      title: 'API is down',
      message:
        'answered 503 twice\n\nstatus: 503\n\nmonitor/api-health · critical · 2025-01-02T03:04:05.000Z · topic ops',
      priority: 5,
      tags: ['rotating_light', 'prod'],
      click: 'https://status.example.com/',
    });
  });

  it('sends a resolution at low priority with a check mark, and basic auth when given', async () => {
    const { accessToken: _, ...rest } = spec;
    await ntfyChannel.send(sampleSendRequest({ ...rest, username: 'ops', password: 'pw' }, recovery));
    const req = receiver.single();
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('ops:pw').toString('base64')}`);
    const body = JSON.parse(req.body);
    assert.equal(body.title, 'Resolved: API is up');
    assert.equal(body.priority, 2);
    assert.deepEqual(body.tags, ['white_check_mark']);
  });

  it('maps each severity to a priority', async () => {
    const expected = { critical: 5, error: 4, warning: 3, info: 3 } as const;
    for (const [severity, priority] of Object.entries(expected)) {
      receiver.reset();
      await ntfyChannel.send(sampleSendRequest(spec, { severity: severity as keyof typeof expected }));
      assert.equal(JSON.parse(receiver.single().body).priority, priority, severity);
    }
  });

  it('cuts a long message to 4,096 bytes with a mark instead of letting it become an attachment', async () => {
    await ntfyChannel.send(sampleSendRequest(spec, { text: 'é'.repeat(5000) }));
    const message = JSON.parse(receiver.single().body).message as string;
    assert.ok(Buffer.byteLength(message, 'utf8') <= NTFY_MESSAGE_MAX_BYTES);
    assert.ok(Buffer.byteLength(message, 'utf8') > NTFY_MESSAGE_MAX_BYTES - 4);
    assert.ok(message.endsWith('…'));
  });

  it('dead-letters an auth failure with ntfy’s code', async () => {
    receiver.answer(ntfyError(403, 40301, 'forbidden'));
    const outcome = await ntfyChannel.send(sampleSendRequest(spec));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: false,
      status: 403,
      error: 'ntfy answered 403 40301: forbidden',
      retryAfterMs: undefined,
    });
  });

  it('retries too many requests but not a spent daily quota', async () => {
    receiver.answer(
      { ...ntfyError(429, 42901, 'limit reached: too many requests'), headers: { 'retry-after': '5' } },
      ntfyError(429, 42908, 'limit reached: daily message quota reached'),
      { status: 502, body: 'Bad Gateway' },
    );
    const throttled = await ntfyChannel.send(sampleSendRequest(spec));
    assert.deepEqual(throttled, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'ntfy answered 429 42901: limit reached: too many requests',
      retryAfterMs: 5000,
    });
    const quota = await ntfyChannel.send(sampleSendRequest(spec));
    assert.equal(quota.ok, false);
    if (quota.ok) return;
    assert.equal(quota.retryable, false);
    assert.equal(quota.error, 'ntfy answered 429 42908: limit reached: daily message quota reached');
    const broken = await ntfyChannel.send(sampleSendRequest(spec));
    assert.equal(!broken.ok && broken.retryable, true);
  });

  it('retries when nothing listens', async () => {
    const outcome = await ntfyChannel.send(sampleSendRequest({ ...spec, server: await refusedUrl() }));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('keys the budget by server and a hash of the credentials', () => {
    const key = ntfyChannel.destinationKey(spec);
    assert.ok(key.startsWith(`${receiver.url}#`));
    assert.ok(!key.includes('tk_secret'));
    assert.notEqual(key, ntfyChannel.destinationKey({ ...spec, accessToken: 'tk_other' }));
    assert.equal(ntfyChannel.defaultRateLimit, 0.2);
  });

  it('names a wrong field and refuses mixed auth', () => {
    const bad = subscriptionInputSchema.safeParse({ protocol: 'ntfy', topic: 'ops alerts!' });
    assert.deepEqual(bad.error?.issues[0].path, ['topic']);
    const mixed = subscriptionInputSchema.safeParse({
      protocol: 'ntfy',
      topic: 'ops',
      accessToken: 't',
      username: 'u',
      password: 'p',
    });
    assert.deepEqual(mixed.error?.issues[0].path, ['accessToken']);
    const parsed = subscriptionInputSchema.parse({ protocol: 'ntfy', topic: 'ops' });
    assert.equal((parsed as { server?: string }).server, 'https://ntfy.sh');
  });
});
