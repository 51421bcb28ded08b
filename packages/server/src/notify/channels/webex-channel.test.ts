import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { WEBEX_ENDPOINT, WEBEX_MESSAGE_MAX_BYTES, webexChannel } from './webex-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 5, 1, 12, 0, 5);
const ok = {
  status: 200,
  body: '{"id":"Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk"}',
};
const room = 'Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0';

function request(endpoint: string, event: Partial<TocsinEvent> = {}, spec: Record<string, unknown> = {}): SendRequest {
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
      source: { type: 'monitor', name: 'api', tags: { env: 'prod' } },
      title: 'api is down',
      text: 'https://api.example.com/health: status 503 <@all>',
      attributes: { statusCode: 503 },
      dedupKey: 'monitor:api',
      ...event,
    },
    spec: { protocol: 'webex', token: 'b0t-t0k3n', roomId: room, endpoint, ...spec },
    subscriptionName: 'webex',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('webex channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let endpoint: string;

  before(async () => {
    receiver = await TestReceiver.start(ok);
    endpoint = `${receiver.url}/v1/messages`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(ok));

  it('posts Markdown to the room with the bot token, escaping mentions', async () => {
    const outcome = await webexChannel.send(request(endpoint));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v1/messages');
    assert.equal(req.headers.authorization, 'Bearer b0t-t0k3n');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      roomId: room,
      markdown:
        '**🔴 [CRITICAL] api is down**\n\n' +
        'https://api.example.com/health: status 503 \\<@all>\n\n' +
        '```\nstatusCode: 503\n```\n\n' +
        '_Source: monitor/api · Severity: critical · Topic: ops · 2026-06-01T12:00:05.000Z_',
      text: '🔴 [CRITICAL] api is down',
    });
  });

  it('messages a person directly when the subscription names one', async () => {
    await webexChannel.send(request(endpoint, {}, { roomId: undefined, toPersonEmail: 'ana@example.com' }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.toPersonEmail, 'ana@example.com');
    assert.equal(body.roomId, undefined);
  });

  it('says resolved', async () => {
    await webexChannel.send(
      request(endpoint, { kind: 'monitor.up', severity: 'ok', title: 'api is up again', text: '', attributes: {} }),
    );
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.text, '✅ [RESOLVED] api is up again');
    assert.match(body.markdown, /^\*\*✅ \[RESOLVED\] api is up again\*\*\n\n_Source: .* Severity: resolved \(ok\)/);
  });

  it("cuts the message to Webex's 7,439 bytes with a mark, never refusing it", async () => {
    await webexChannel.send(
      request(endpoint, { title: 'ü'.repeat(5000), text: 'x'.repeat(9000), attributes: { a: 'y'.repeat(290) } }),
    );
    const body = JSON.parse(receiver.single().body);
    assert.ok(Buffer.byteLength(body.markdown, 'utf8') <= WEBEX_MESSAGE_MAX_BYTES);
    assert.ok(Buffer.byteLength(body.text, 'utf8') <= WEBEX_MESSAGE_MAX_BYTES);
    assert.ok(body.markdown.endsWith('…'));
    assert.ok(body.text.endsWith('…'));
  });

  it('posts a group as one message, a line per event, and says how many more', async () => {
    await webexChannel.send(groupRequest(request(endpoint), monitorChanges(3, time)));
    const small = JSON.parse(receiver.single().body).markdown.split('\n');
    assert.equal(small[0], '**🔴 [CRITICAL] 2 down, 1 recovered: site-0, site-1, site-2**');
    assert.equal(
      small[2],
      '- 🔴 12:00:05 **site-0 is down** · monitor/site-0 — ' +
        'https://site-0.example.com/health: answered 503 \\<Service Unavailable>',
    );
    receiver.reset();
    await webexChannel.send(groupRequest(request(endpoint), monitorChanges(100, time)));
    const large = JSON.parse(receiver.single().body).markdown;
    assert.ok(Buffer.byteLength(large, 'utf8') <= WEBEX_MESSAGE_MAX_BYTES);
    assert.match(large, /\n- _and \d+ more_\n\n_Events: 100 · Topic: ops_$/);
  });

  it('retries 429 after its Retry-After', async () => {
    receiver.answer({
      status: 429,
      headers: { 'retry-after': '30' },
      body: '{"message":"Too many requests","trackingId":"ROUTER_1"}',
    });
    const outcome = await webexChannel.send(request(endpoint));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'webex answered 429 (Too many requests; tracking id ROUTER_1)',
      retryAfterMs: 30000,
    });
  });

  it('dead-letters 401 and 404, saying what they mean', async () => {
    receiver.answer(
      {
        status: 401,
        body: JSON.stringify({
          message: 'The request requires a valid access token set in the Authorization request header.',
          trackingId: 'T1',
        }),
      },
      {
        status: 404,
        body: JSON.stringify({
          message: 'Could not find a room with provided ID.',
          errors: [{ description: 'Could not find a room with provided ID.' }],
          trackingId: 'T2',
        }),
      },
    );
    const auth = await webexChannel.send(request(endpoint));
    const missing = await webexChannel.send(request(endpoint));
    assert.equal(!auth.ok && auth.retryable, false);
    assert.match(!auth.ok ? auth.error : '', /^webex answered 401: the bot token is not valid \(The request requires/);
    assert.deepEqual(missing, {
      ok: false,
      retryable: false,
      status: 404,
      error:
        'webex answered 404: the room or person does not exist, or the bot is not in the room ' +
        '(Could not find a room with provided ID.; tracking id T2)',
      retryAfterMs: undefined,
    });
  });

  it('dead-letters a refused payload and retries 5xx and a refused connection', async () => {
    receiver.answer({ status: 400, body: '{"message":"Unable to post message"}' }, { status: 503, body: '' });
    const bad = await webexChannel.send(request(endpoint));
    assert.equal(!bad.ok && bad.retryable, false);
    const down = await webexChannel.send(request(endpoint));
    assert.equal(!down.ok && down.retryable, true);
    const refused = await webexChannel.send(request(`${await refusedUrl()}/v1/messages`));
    assert.deepEqual(refused, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('sends to webexapis.com unless the endpoint is overridden, one budget per bot', () => {
    const parsed = subscriptionInputSchema.parse({ protocol: 'webex', token: 't', roomId: room });
    assert.equal((parsed as { endpoint: string }).endpoint, WEBEX_ENDPOINT);
    assert.equal(
      webexChannel.destinationKey({ token: 't', roomId: 'a' }),
      webexChannel.destinationKey({ token: 't', toPersonEmail: 'b@x.com' }),
    );
    assert.notEqual(webexChannel.destinationKey({ token: 't' }), webexChannel.destinationKey({ token: 'u' }));
  });

  it('names a wrong field: both a room and a person, or a bad address', () => {
    const both = subscriptionInputSchema.safeParse({
      protocol: 'webex',
      token: 't',
      roomId: room,
      toPersonEmail: 'a@x.com',
    });
    assert.deepEqual(
      both.error?.issues.map((i) => i.path),
      [['roomId']],
    );
    const bad = subscriptionInputSchema.safeParse({ protocol: 'webex', token: 't', toPersonEmail: 'nobody' });
    assert.deepEqual(
      bad.error?.issues.map((i) => i.path),
      [['toPersonEmail']],
    );
  });
});
