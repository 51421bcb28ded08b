import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema } from '@tocsin/protocol';
import { recovery, sampleSendRequest, sampleTime } from '../../test-support/sample-send-request.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';
import { GOTIFY_MESSAGE_MAX, GOTIFY_TITLE_MAX, gotifyChannel } from './gotify-channel.js';

const created = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 25, appid: 5, message: '…', title: '…', priority: 8, date: '2025-01-02T03:04:05Z' }),
};

describe('gotify channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let spec: Record<string, unknown>;

  before(async () => {
    receiver = await TestReceiver.start();
    spec = { protocol: 'gotify', server: `${receiver.url}/gotify/`, token: 'AvKcy9o-yvVhyKd' };
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(created));

  it('posts title, Markdown message, priority and display extras with the app token header', async () => {
    const outcome = await gotifyChannel.send(sampleSendRequest(spec, { text: 'answered 503\ntwice' }));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/gotify/message');
    assert.equal(req.headers['x-gotify-key'], 'AvKcy9o-yvVhyKd');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      title: '🔴 API is down',
      message:
        'answered 503  \ntwice\n\n```\nstatus: 503\n```\n\n' +
        '`monitor/api-health` · critical · 2025-01-02T03:04:05.000Z · topic `ops`',
      priority: 8,
      extras: { 'client::display': { contentType: 'text/markdown' } },
    });
  });

  it('sends plain text when asked, and a resolution at a silent priority', async () => {
    await gotifyChannel.send(sampleSendRequest({ ...spec, plainText: true }, recovery));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.title, '✅ Resolved: API is up');
    assert.equal(body.priority, 2);
    assert.deepEqual(body.extras, { 'client::display': { contentType: 'text/plain' } });
    assert.equal(body.message, 'monitor/api-health · resolved (ok) · 2025-01-02T03:04:05.000Z · topic ops');
  });

  it('maps each severity to a priority', async () => {
    const expected = { critical: 8, error: 6, warning: 5, info: 4 } as const;
    for (const [severity, priority] of Object.entries(expected)) {
      receiver.reset();
      await gotifyChannel.send(sampleSendRequest(spec, { severity: severity as keyof typeof expected }));
      assert.equal(JSON.parse(receiver.single().body).priority, priority, severity);
    }
  });

  it('lists a group window’s events', async () => {
    const first = sampleSendRequest(spec).event;
    const second = { ...first, id: 'e-2', time: sampleTime + 1000, title: 'DB is down' };
    await gotifyChannel.send({ ...sampleSendRequest(spec, { title: '2 events' }), group: [first, second] });
    const message = JSON.parse(receiver.single().body).message as string;
    assert.match(message, /^- 🔴 2025-01-02T03:04:05.000Z \*\*API is down\*\*/);
    assert.match(message, /\*\*DB is down\*\*/);
    assert.match(message, /2 events · topic `ops`$/);
  });

  it('cuts long texts with a mark', async () => {
    await gotifyChannel.send(sampleSendRequest(spec, { title: 't'.repeat(500), text: 'x'.repeat(40000) }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.title.length, GOTIFY_TITLE_MAX);
    assert.equal(body.message.length, GOTIFY_MESSAGE_MAX);
    assert.ok(body.message.endsWith('…'));
  });

  it('dead-letters a bad token and a refused payload; retries 5xx and a refused connection', async () => {
    receiver.answer(
      {
        status: 401,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          error: 'Unauthorized',
          errorCode: 401,
          errorDescription: 'you need to provide a valid access token or user credentials to access this api',
        }),
      },
      {
        status: 400,
        body: JSON.stringify({ error: 'Bad Request', errorCode: 400, errorDescription: 'Field message is required' }),
      },
      { status: 502, body: 'Bad Gateway' },
    );
    const denied = await gotifyChannel.send(sampleSendRequest(spec));
    assert.deepEqual(denied, {
      ok: false,
      retryable: false,
      status: 401,
      error:
        'gotify answered 401 Unauthorized: ' +
        'you need to provide a valid access token or user credentials to access this api',
      retryAfterMs: undefined,
    });
    const refused = await gotifyChannel.send(sampleSendRequest(spec));
    assert.equal(!refused.ok && refused.retryable, false);
    assert.equal(!refused.ok && refused.error, 'gotify answered 400 Bad Request: Field message is required');
    const broken = await gotifyChannel.send(sampleSendRequest(spec));
    assert.equal(!broken.ok && broken.retryable, true);
    const down = await gotifyChannel.send(sampleSendRequest({ ...spec, server: await refusedUrl() }));
    assert.deepEqual(down, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('keys the budget by the URL and a hash of the token', () => {
    const key = gotifyChannel.destinationKey(spec);
    assert.ok(key.startsWith(`${receiver.url}/gotify/message#`));
    assert.ok(!key.includes('AvKcy9o-yvVhyKd'));
    assert.equal(gotifyChannel.defaultRateLimit, undefined);
  });

  it('names a wrong field', () => {
    const bad = subscriptionInputSchema.safeParse({ protocol: 'gotify', server: 'gotify.local', token: 't' });
    assert.deepEqual(bad.error?.issues[0].path, ['server']);
  });
});
