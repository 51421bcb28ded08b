import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { ZULIP_CONTENT_MAX_BYTES, zulipChannel } from './zulip-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 5, 1, 12, 0, 5);
const ok = { status: 200, body: '{"result":"success","msg":"","id":42}' };

function request(site: string, event: Partial<TocsinEvent> = {}, spec: Record<string, unknown> = {}): SendRequest {
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
      text: 'https://api.example.com/health: status 503 *now*',
      attributes: { statusCode: 503 },
      dedupKey: 'monitor:api',
      ...event,
    },
    spec: { protocol: 'zulip', site, email: 'tocsin-bot@example.zulipchat.com', apiKey: 'k3y', stream: 'ops', ...spec },
    subscriptionName: 'zulip',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

function form(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

describe('zulip channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;

  before(async () => {
    receiver = await TestReceiver.start(ok);
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(ok));

  it('posts a channel message to the topic of the event source, as the bot, form-encoded', async () => {
    const outcome = await zulipChannel.send(request(`${receiver.url}/`));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v1/messages');
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(
      req.headers.authorization,
      `Basic ${Buffer.from('tocsin-bot@example.zulipchat.com:k3y').toString('base64')}`,
    );
    assert.deepEqual(form(req.body), {
      type: 'stream',
      to: 'ops',
      topic: 'monitor/api',
      content:
        '**🔴 [CRITICAL] api is down**\n\n' +
        'https://api.example.com/health: status 503 \\*now\\*\n\n' +
        '````text\nstatusCode: 503\n````\n\n' +
        'Source: monitor/api · Severity: critical · Topic: ops · <time:2026-06-01T12:00:05.000Z>',
    });
  });

  it('sends directly to users when the subscription lists them', async () => {
    await zulipChannel.send(
      request(receiver.url, {}, { stream: undefined, to: ['ana@example.com', 'bo@example.com'] }),
    );
    const sent = form(receiver.single().body);
    assert.equal(sent.type, 'direct');
    assert.deepEqual(JSON.parse(sent.to), ['ana@example.com', 'bo@example.com']);
    assert.equal(sent.topic, undefined);
  });

  it('posts a resolution in the same topic, saying resolved', async () => {
    await zulipChannel.send(
      request(receiver.url, { kind: 'monitor.up', severity: 'ok', title: 'api is up again', text: '', attributes: {} }),
    );
    const sent = form(receiver.single().body);
    assert.equal(sent.topic, 'monitor/api');
    assert.match(sent.content, /^\*\*✅ \[RESOLVED\] api is up again\*\*\n\nSource: .* · Severity: resolved \(ok\)/);
  });

  it('escapes Markdown so that an event cannot mention everyone', async () => {
    await zulipChannel.send(request(receiver.url, { title: 'ping @**all** [x](y)', text: '' }));
    const content = form(receiver.single().body).content;
    assert.ok(content.startsWith('**🔴 [CRITICAL] ping @\\*\\*all\\*\\* \\[x\\](y)**'), content);
  });

  it('cuts the topic to 60 characters and the content to 10,000 bytes, marked, never refused', async () => {
    const name = 'n'.repeat(100);
    await zulipChannel.send(
      request(receiver.url, {
        source: { type: 'monitor', name, tags: {} },
        text: 'é'.repeat(20000),
        attributes: {
          big: 'x'.repeat(290),
          ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(200)])),
        },
      }),
    );
    const sent = form(receiver.single().body);
    assert.equal(sent.topic.length, 60);
    assert.ok(sent.topic.endsWith('…'));
    assert.ok(Buffer.byteLength(sent.content, 'utf8') <= ZULIP_CONTENT_MAX_BYTES);
    assert.ok(sent.content.includes('é…'), 'the text is cut with a mark');
    assert.ok(sent.content.includes('…\n````'), 'the attributes are cut inside their block');
    assert.ok(sent.content.endsWith('<time:2026-06-01T12:00:05.000Z>'), 'the footer stays');
  });

  it('posts a group as one message, a line per event, and says how many more past 10,000 bytes', async () => {
    await zulipChannel.send(groupRequest(request(receiver.url), monitorChanges(3, time)));
    const small = form(receiver.single().body);
    assert.equal(small.topic, 'ops: grouped');
    const lines = small.content.split('\n');
    assert.equal(lines[0], '**🔴 [CRITICAL] 2 down, 1 recovered: site-0, site-1, site-2**');
    assert.equal(
      lines[2],
      '- 🔴 12:00:05 **site-0 is down** · monitor/site-0 — ' +
        'https://site-0.example.com/health: answered 503 <Service Unavailable>',
    );
    assert.match(lines[4], /^- ✅ 12:00:07 \*\*site-2 is up again\*\*/);
    receiver.reset();
    await zulipChannel.send(groupRequest(request(receiver.url), monitorChanges(200, time)));
    const large = form(receiver.single().body).content;
    assert.ok(Buffer.byteLength(large, 'utf8') <= ZULIP_CONTENT_MAX_BYTES);
    assert.match(large, /\n- _and \d+ more_\n\nSource: /);
  });

  it("retries 429 RATE_LIMIT_HIT after the retry-after of Zulip's JSON", async () => {
    receiver.answer({
      status: 429,
      body: '{"result":"error","msg":"API usage exceeded rate limit","code":"RATE_LIMIT_HIT","retry-after":28.706}',
    });
    const outcome = await zulipChannel.send(request(receiver.url));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'zulip answered 429 RATE_LIMIT_HIT: too many messages; retried later (API usage exceeded rate limit)',
      retryAfterMs: 28706,
    });
  });

  it('prefers the Retry-After header when Zulip sends one', async () => {
    receiver.answer({
      status: 429,
      body: '{"result":"error","code":"RATE_LIMIT_HIT"}',
      headers: { 'retry-after': '5' },
    });
    const outcome = await zulipChannel.send(request(receiver.url));
    assert.equal(!outcome.ok && outcome.retryAfterMs, 5000);
  });

  it("dead-letters a wrong API key and a missing channel, with Zulip's code", async () => {
    receiver.answer(
      { status: 401, body: '{"result":"error","msg":"Invalid API key","code":"INVALID_API_KEY"}' },
      {
        status: 400,
        body: JSON.stringify({
          result: 'error',
          msg: "Channel 'nope' does not exist",
          code: 'STREAM_DOES_NOT_EXIST',
          stream: 'nope',
        }),
      },
    );
    const auth = await zulipChannel.send(request(receiver.url));
    const missing = await zulipChannel.send(request(receiver.url, {}, { stream: 'nope' }));
    assert.deepEqual(auth, {
      ok: false,
      retryable: false,
      status: 401,
      error: 'zulip answered 401 INVALID_API_KEY: the API key is not valid (Invalid API key)',
      retryAfterMs: undefined,
    });
    assert.equal(!missing.ok && missing.retryable, false);
    assert.equal(
      !missing.ok && missing.error,
      "zulip answered 400 STREAM_DOES_NOT_EXIST: the channel does not exist (Channel 'nope' does not exist)",
    );
  });

  it('retries 5xx and a refused connection', async () => {
    receiver.answer({ status: 502, body: '<html>Bad gateway</html>' });
    const down = await zulipChannel.send(request(receiver.url));
    assert.deepEqual(down, {
      ok: false,
      retryable: true,
      status: 502,
      error: 'zulip answered 502: <html>Bad gateway</html>',
      retryAfterMs: undefined,
    });
    const refused = await zulipChannel.send(request(await refusedUrl()));
    assert.deepEqual(refused, { ok: false, retryable: true, error: 'connection refused' });
  });

  it("shares the bot's budget across its channels", () => {
    assert.equal(zulipChannel.defaultRateLimit, 3);
    const a = zulipChannel.destinationKey({ site: 'https://x.zulipchat.com/', email: 'Bot@x.com', stream: 'a' });
    const b = zulipChannel.destinationKey({ site: 'https://x.zulipchat.com', email: 'bot@x.com', stream: 'b' });
    assert.equal(a, b);
  });

  it('names a wrong field: neither a channel nor users, or both', () => {
    const base = { protocol: 'zulip', site: 'https://x.zulipchat.com', email: 'bot@x.com', apiKey: 'k' };
    const neither = subscriptionInputSchema.safeParse(base);
    assert.deepEqual(
      neither.error?.issues.map((i) => i.path),
      [['stream']],
    );
    const both = subscriptionInputSchema.safeParse({ ...base, stream: 'ops', to: ['a@x.com'] });
    assert.deepEqual(
      both.error?.issues.map((i) => i.path),
      [['stream']],
    );
    const badUser = subscriptionInputSchema.safeParse({ ...base, to: ['not-an-address'] });
    assert.deepEqual(
      badUser.error?.issues.map((i) => i.path),
      [['to', 0]],
    );
  });
});
