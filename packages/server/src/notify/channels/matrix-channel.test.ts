import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { MATRIX_CONTENT_MAX_BYTES, matrixChannel } from './matrix-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 5, 1, 12, 0, 5);
const ok = { status: 200, body: '{"event_id":"$YUwRidLecu:example.org"}' };
const room = '!abcdef:example.org';

function request(
  homeserver: string,
  event: Partial<TocsinEvent> = {},
  spec: Record<string, unknown> = {},
): SendRequest {
  return {
    deliveryId: '0197c1a2-0000-7000-8000-000000000001',
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
      text: 'https://api.example.com/health: status 503 <b>',
      attributes: { statusCode: 503 },
      dedupKey: 'monitor:api',
      ...event,
    },
    spec: { protocol: 'matrix', homeserver, roomId: room, accessToken: 'syt_t0k3n', msgtype: 'm.notice', ...spec },
    subscriptionName: 'matrix',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('matrix channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;

  before(async () => {
    receiver = await TestReceiver.start(ok);
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(ok));

  it('PUTs an m.room.message with plain and escaped HTML bodies, the token as Bearer', async () => {
    const outcome = await matrixChannel.send(request(`${receiver.url}/`));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'PUT');
    assert.equal(
      req.path,
      '/_matrix/client/v3/rooms/!abcdef%3Aexample.org/send/m.room.message/tocsin-0197c1a2-0000-7000-8000-000000000001',
    );
    assert.equal(req.headers.authorization, 'Bearer syt_t0k3n');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      msgtype: 'm.notice',
      body:
        '🔴 [CRITICAL] api is down\n\nhttps://api.example.com/health: status 503 <b>\n\nstatusCode: 503\n\n' +
        'Source: monitor/api · Severity: critical · Topic: ops · 2026-06-01T12:00:05.000Z',
      format: 'org.matrix.custom.html',
      formatted_body:
        '<p><strong>🔴 [CRITICAL] api is down</strong></p>' +
        '<p>https://api.example.com/health: status 503 &#60;b&#62;</p>' +
        '<pre><code>statusCode: 503</code></pre>' +
        '<p><em>Source: monitor/api · Severity: critical · Topic: ops · 2026-06-01T12:00:05.000Z</em></p>',
    });
  });

  it('uses the same transaction id on every attempt of a delivery, so a retry posts once', async () => {
    await matrixChannel.send(request(receiver.url));
    await matrixChannel.send({ ...request(receiver.url), attempt: 2 });
    await matrixChannel.send({ ...request(receiver.url), deliveryId: 'd-2' });
    const paths = receiver.requests.map((r) => r.path);
    assert.equal(paths[0], paths[1]);
    assert.notEqual(paths[0], paths[2]);
  });

  it('says resolved, and sends m.text when asked', async () => {
    await matrixChannel.send(
      request(
        receiver.url,
        { kind: 'monitor.up', severity: 'ok', title: 'api is up again', text: '', attributes: {} },
        { msgtype: 'm.text' },
      ),
    );
    const content = JSON.parse(receiver.single().body);
    assert.equal(content.msgtype, 'm.text');
    assert.equal(
      content.body,
      '✅ [RESOLVED] api is up again\n\n' +
        'Source: monitor/api · Severity: resolved (ok) · Topic: ops · 2026-06-01T12:00:05.000Z',
    );
  });

  it("keeps the event within the spec's 65,536 bytes, cutting the text with a mark", async () => {
    await matrixChannel.send(request(receiver.url, { text: '<'.repeat(100000), attributes: { big: '"'.repeat(290) } }));
    const req = receiver.single();
    assert.ok(req.raw.length <= MATRIX_CONTENT_MAX_BYTES, `${req.raw.length} bytes`);
    const content = JSON.parse(req.body);
    assert.ok(content.body.includes('<…'), 'the text is cut with a mark');
    assert.match(content.body, /Source: monitor\/api/);
  });

  it('posts a group as one message, a line per event, and says how many more', async () => {
    await matrixChannel.send(groupRequest(request(receiver.url), monitorChanges(3, time)));
    const small = JSON.parse(receiver.single().body);
    const lines = small.body.split('\n');
    assert.equal(lines[0], '🔴 [CRITICAL] 2 down, 1 recovered: site-0, site-1, site-2');
    assert.equal(
      lines[2],
      '🔴 12:00:05 site-0 is down · monitor/site-0 — ' +
        'https://site-0.example.com/health: answered 503 <Service Unavailable>',
    );
    assert.match(small.formatted_body, /<li>✅ 12:00:07 <strong>site-2 is up again<\/strong> · monitor\/site-2/);
    assert.match(small.formatted_body, /answered 503 &#60;Service Unavailable&#62;<\/li>/);
    receiver.reset();
    await matrixChannel.send(groupRequest(request(receiver.url), monitorChanges(300, time)));
    const large = JSON.parse(receiver.single().body);
    assert.match(large.body, /\nand \d+ more\n\nEvents: 300 · Topic: ops$/);
    assert.match(large.formatted_body, /<li><em>and \d+ more<\/em><\/li><\/ul>/);
  });

  it('retries 429 M_LIMIT_EXCEEDED after its retry_after_ms', async () => {
    receiver.answer({
      status: 429,
      body: '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000}',
    });
    const outcome = await matrixChannel.send(request(receiver.url));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'matrix answered 429 M_LIMIT_EXCEEDED: too many messages; retried later (Too many requests)',
      retryAfterMs: 2000,
    });
  });

  it('dead-letters M_UNKNOWN_TOKEN and M_FORBIDDEN, saying what they mean', async () => {
    receiver.answer(
      { status: 401, body: '{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":false}' },
      { status: 403, body: '{"errcode":"M_FORBIDDEN","error":"User @tocsin:example.org not in room"}' },
    );
    const token = await matrixChannel.send(request(receiver.url));
    const forbidden = await matrixChannel.send(request(receiver.url));
    assert.deepEqual(token, {
      ok: false,
      retryable: false,
      status: 401,
      error:
        'matrix answered 401 M_UNKNOWN_TOKEN: the access token is not valid (logged out or expired) ' +
        '(Invalid access token passed.)',
      retryAfterMs: undefined,
    });
    assert.equal(!forbidden.ok && forbidden.retryable, false);
    assert.match(!forbidden.ok ? forbidden.error : '', /^matrix answered 403 M_FORBIDDEN: the bot may not post/);
  });

  it('dead-letters a refused payload and retries 5xx and a refused connection', async () => {
    receiver.answer({ status: 400, body: '{"errcode":"M_BAD_JSON","error":"bad"}' }, { status: 502, body: 'gateway' });
    const bad = await matrixChannel.send(request(receiver.url));
    assert.equal(!bad.ok && bad.retryable, false);
    const down = await matrixChannel.send(request(receiver.url));
    assert.equal(!down.ok && down.retryable, true);
    assert.equal(!down.ok && down.error, 'matrix answered 502: gateway');
    const refused = await matrixChannel.send(request(await refusedUrl()));
    assert.deepEqual(refused, { ok: false, retryable: true, error: 'connection refused' });
  });

  it("shares one budget per homeserver and token, at Synapse's default message rate", () => {
    assert.equal(matrixChannel.defaultRateLimit, 0.2);
    const a = matrixChannel.destinationKey({ homeserver: 'https://m.org', roomId: '!a:m.org', accessToken: 't' });
    const b = matrixChannel.destinationKey({ homeserver: 'https://m.org', roomId: '!b:m.org', accessToken: 't' });
    assert.equal(a, b);
    assert.ok(!a.includes('#t'));
  });

  it('names a wrong field: a room alias where the room id goes', () => {
    const parsed = subscriptionInputSchema.safeParse({
      protocol: 'matrix',
      homeserver: 'https://matrix.org',
      roomId: '#ops:matrix.org',
      accessToken: 't',
    });
    assert.deepEqual(
      parsed.error?.issues.map((i) => i.path),
      [['roomId']],
    );
  });
});
