import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { TEAMS_MAX_BYTES, teamsChannel } from './teams-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);

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
      text: 'GET https://api.example.com/health answered 503',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'teams', endpoint },
    subscriptionName: 'teams',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

interface Card {
  type: string;
  version: string;
  body: { type: string; style?: string; text?: string; items?: { text: string; color: string }[]; facts?: unknown }[];
}

function cardOf(body: string): Card {
  const message = JSON.parse(body);
  assert.equal(message.type, 'message');
  assert.equal(message.attachments.length, 1);
  assert.equal(message.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  return message.attachments[0].content;
}

describe('teams channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let hook: string;

  before(async () => {
    receiver = await TestReceiver.start();
    hook = `${receiver.url}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cret`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 202, body: '' }));

  it('posts a message with an Adaptive Card to the workflow and takes 202 as delivered', async () => {
    assert.deepEqual(await teamsChannel.send(request(hook)), { ok: true, status: 202 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cret');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    const card = cardOf(req.body);
    assert.equal(card.type, 'AdaptiveCard');
    assert.equal(card.version, '1.4');
    assert.equal(card.body[0].style, 'attention');
    assert.deepEqual(card.body[0].items?.[0].text, '🔴 API is down');
    assert.equal(card.body[0].items?.[0].color, 'Attention');
    assert.equal(card.body[1].text, 'GET https://api.example.com/health answered 503');
    assert.deepEqual(card.body[2].facts, [
      { title: 'Severity', value: 'critical' },
      { title: 'Source', value: 'monitor/api-health' },
      { title: 'Time', value: '2026-01-02T03:04:05.000Z' },
      { title: 'Topic', value: 'ops' },
      { title: 'status', value: '503' },
    ]);
  });

  it('shows a resolution in green as resolved, a warning in yellow', async () => {
    await teamsChannel.send(request(hook, { kind: 'monitor.up', severity: 'info', title: 'API is up' }));
    await teamsChannel.send(request(hook, { severity: 'warning', title: 'Disk at 80%' }));
    const [up, warn] = receiver.requests.map((r) => cardOf(r.body));
    assert.equal(up.body[0].style, 'good');
    assert.equal(up.body[0].items?.[0].text, '✅ Resolved: API is up');
    assert.deepEqual((up.body[2].facts as unknown[])[0], { title: 'Severity', value: 'resolved (info)' });
    assert.equal(warn.body[0].style, 'warning');
    assert.equal(warn.body[0].items?.[0].color, 'Warning');
  });

  it('keeps a huge event within 28 KB, its text cut with a mark', async () => {
    await teamsChannel.send(request(hook, { text: 'é'.repeat(100_000) }));
    const body = receiver.single().body;
    assert.ok(Buffer.byteLength(body) <= TEAMS_MAX_BYTES, `${Buffer.byteLength(body)} bytes`);
    const text = cardOf(body).body[1].text as string;
    assert.ok(text.length > 1000 && text.endsWith('…'));
  });

  it('lists a group, oldest first, and says how many more past 40', async () => {
    await teamsChannel.send(groupRequest(request(hook), monitorChanges(45, time)));
    const body = receiver.single().body;
    const card = cardOf(body);
    assert.match(card.body[0].items?.[0].text ?? '', /^🔴 30 down, 15 recovered: site-0/);
    assert.match(card.body[1].text ?? '', /^🔴 \*\*site-0 is down\*\* · monitor\/site-0 · 2026-01-02T03:04:05.000Z/);
    assert.match(card.body[3].text ?? '', /^✅ \*\*site-2 is up again\*\*/);
    assert.equal(card.body[41].text, '_and 5 more_');
    assert.ok(Buffer.byteLength(body) <= TEAMS_MAX_BYTES);
  });

  it('retries a throttled flow after its Retry-After', async () => {
    receiver.answer({
      status: 429,
      headers: { 'retry-after': '12', 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: 'WorkflowTriggerIsThrottled', message: 'Rate limit is exceeded.' } }),
    });
    assert.deepEqual(await teamsChannel.send(request(hook)), {
      ok: false,
      retryable: true,
      status: 429,
      error: 'teams answered 429 WorkflowTriggerIsThrottled: Rate limit is exceeded.',
      retryAfterMs: 12_000,
    });
  });

  it('dead-letters a wrong signature, a deleted flow and a refused payload, saying why', async () => {
    receiver.answer(
      { status: 401, body: JSON.stringify({ error: { code: 'MisMatchingOAuthClaims', message: 'bad sig' } }) },
      { status: 404, body: JSON.stringify({ error: { code: 'WorkflowNotFound', message: 'not found' } }) },
      { status: 400, body: JSON.stringify({ error: { code: 'InvalidRequestContent', message: 'bad card' } }) },
    );
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await teamsChannel.send(request(hook)));
    for (const o of outcomes) assert.equal(!o.ok && o.retryable, false);
    const errors = outcomes.map((o) => (o.ok ? '' : o.error));
    assert.match(errors[0], /^teams answered 401 MisMatchingOAuthClaims: bad sig \(the URL’s signature is wrong/);
    assert.equal(errors[1], 'teams answered 404 WorkflowNotFound: not found (the workflow was deleted or turned off)');
    assert.equal(errors[2], 'teams answered 400 InvalidRequestContent: bad card');
  });

  it('retries when nothing listens', async () => {
    const outcome = await teamsChannel.send(request(`${await refusedUrl()}/workflows/x`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('shares one budget per workflow URL, one message a second', () => {
    assert.equal(teamsChannel.defaultRateLimit, 1);
    assert.equal(teamsChannel.destinationKey({ endpoint: hook }), hook);
  });

  it('names a wrong field of a subscription', () => {
    const result = subscriptionInputSchema.safeParse({ protocol: 'teams', endpoint: hook, channel: '#ops' });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0].path, []);
    assert.match(result.error?.issues[0].message ?? '', /channel/);
    const bad = subscriptionInputSchema.safeParse({ protocol: 'teams', endpoint: 'ftp://x' });
    assert.deepEqual(bad.error?.issues[0].path, ['endpoint']);
  });
});
