import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { discordChannel } from './discord-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);

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
      source: { type: 'monitor', name: 'api-health', tags: {} },
      title: 'API is down @everyone',
      text: 'GET https://api.example.com/health answered 503',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'discord', endpoint, ...spec },
    subscriptionName: 'discord',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

interface Embed {
  title: string;
  description?: string;
  color: number;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
}

function embedChars(embeds: Embed[]): number {
  let n = 0;
  for (const e of embeds) {
    n += e.title.length + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
    for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  }
  return n;
}

describe('discord channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let hook: string;

  before(async () => {
    receiver = await TestReceiver.start();
    hook = `${receiver.url}/api/webhooks/123/tok`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 204 }));

  it('posts content and a red embed, pings nobody, and takes 204 as delivered', async () => {
    const outcome = await discordChannel.send(
      request(hook, {}, { username: 'Tocsin', avatarUrl: 'https://example.com/a.png' }),
    );
    assert.deepEqual(outcome, { ok: true, status: 204 });
    const req = receiver.single();
    assert.equal(req.path, '/api/webhooks/123/tok');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      content: '🔴 **[CRITICAL]** API is down @everyone',
      embeds: [
        {
          title: '🔴 API is down @everyone',
          color: 0xc92a2a,
          timestamp: '2026-01-02T03:04:05.000Z',
          fields: [
            { name: 'Severity', value: 'critical', inline: true },
            { name: 'Source', value: 'monitor/api-health', inline: true },
            { name: 'status', value: '503', inline: true },
          ],
          footer: { text: 'Tocsin · topic ops' },
          description: 'GET https://api.example.com/health answered 503',
        },
      ],
      allowed_mentions: { parse: [] },
      username: 'Tocsin',
      avatar_url: 'https://example.com/a.png',
    });
  });

  it('shows a resolution in green', async () => {
    await discordChannel.send(request(hook, { kind: 'monitor.up', severity: 'ok', title: 'API is up' }));
    const embed = JSON.parse(receiver.single().body).embeds[0];
    assert.equal(embed.color, 0x2f9e44);
    assert.equal(embed.title, '✅ Resolved: API is up');
    assert.equal(embed.fields[0].value, 'resolved (ok)');
  });

  it("cuts long texts to Discord's limits with a mark, never past 6,000 characters of embeds", async () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'.repeat(2000)]));
    await discordChannel.send(request(hook, { title: 't'.repeat(3000), text: 'x'.repeat(10_000), attributes: many }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.content.length, 2000);
    assert.ok(body.content.endsWith('…'));
    const [embed] = body.embeds as Embed[];
    assert.equal(embed.title.length, 256);
    assert.ok(embed.description?.endsWith('…'));
    assert.ok((embed.description?.length ?? 0) <= 4096);
    assert.ok((embed.fields?.length ?? 0) <= 25);
    for (const f of embed.fields ?? []) assert.ok(f.value.length <= 1024);
    assert.ok(embedChars(body.embeds) <= 6000, `${embedChars(body.embeds)} characters`);
  });

  it('sends a group as one embed per event in its colour, at most ten', async () => {
    await discordChannel.send(groupRequest(request(hook), monitorChanges(3, time)));
    const small = JSON.parse(receiver.single().body);
    assert.equal(small.content, '🔴 **[CRITICAL]** 2 down, 1 recovered: site-0, site-1, site-2');
    assert.deepEqual(
      small.embeds.map((e: Embed) => [e.title, e.color]),
      [
        ['🔴 site-0 is down', 0xc92a2a],
        ['🔴 site-1 is down', 0xc92a2a],
        ['✅ site-2 is up again', 0x2f9e44],
      ],
    );
    receiver.reset();
    await discordChannel.send(groupRequest(request(hook), monitorChanges(25, time)));
    const big = JSON.parse(receiver.single().body);
    assert.equal(big.embeds.length, 10);
    assert.equal(big.embeds[9].title, 'and 16 more');
    assert.ok(embedChars(big.embeds) <= 6000);
  });

  it('retries a 429 after the retry_after of its body', async () => {
    receiver.answer({
      status: 429,
      headers: { 'content-type': 'application/json', 'x-ratelimit-reset-after': '0.9', 'retry-after': '1' },
      body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 2.5, global: false }),
    });
    assert.deepEqual(await discordChannel.send(request(hook)), {
      ok: false,
      retryable: true,
      status: 429,
      error: 'discord answered 429 You are being rate limited.',
      retryAfterMs: 2500,
    });
  });

  it('falls back on X-RateLimit-Reset-After when the body has no retry_after', async () => {
    receiver.answer({ status: 429, headers: { 'x-ratelimit-reset-after': '3.2' }, body: '' });
    const outcome = await discordChannel.send(request(hook));
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.equal(outcome.retryAfterMs, 3200);
  });

  it('dead-letters an unknown webhook, a bad token and an invalid form body with the code', async () => {
    receiver.answer(
      { status: 404, body: JSON.stringify({ message: 'Unknown Webhook', code: 10015 }) },
      { status: 401, body: JSON.stringify({ message: 'Invalid Webhook Token', code: 50027 }) },
      {
        status: 400,
        body: JSON.stringify({
          message: 'Invalid Form Body',
          code: 50035,
          errors: { embeds: { 0: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Too long' }] } } } },
        }),
      },
    );
    const errors: string[] = [];
    for (let i = 0; i < 3; i++) {
      const o = await discordChannel.send(request(hook));
      assert.equal(o.ok, false);
      if (!o.ok) {
        assert.equal(o.retryable, false);
        errors.push(o.error);
      }
    }
    assert.deepEqual(errors, [
      'discord answered 404 10015 Unknown Webhook',
      'discord answered 401 50027 Invalid Webhook Token',
      'discord answered 400 50035 Invalid Form Body (embeds.0.title: Too long)',
    ]);
  });

  it('retries when nothing listens, and shares a budget per webhook', async () => {
    const outcome = await discordChannel.send(request(`${await refusedUrl()}/api/webhooks/1/t`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
    assert.equal(discordChannel.defaultRateLimit, 0.5);
    assert.equal(discordChannel.destinationKey({ endpoint: hook, username: 'a' }), hook);
  });

  it('names a wrong field of a subscription', () => {
    const result = subscriptionInputSchema.safeParse({ protocol: 'discord', endpoint: hook, avatarUrl: 'not a url' });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0].path, ['avatarUrl']);
    const named = subscriptionInputSchema.safeParse({ protocol: 'discord', endpoint: hook, username: 'Discord Bot' });
    assert.deepEqual(named.error?.issues[0].path, ['username']);
  });
});
