import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { MATTERMOST_TEXT_MAX, mattermostChannel } from './mattermost-channel.js';
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
      severity: 'warning',
      source: { type: 'monitor', name: 'api-health', tags: {} },
      title: 'API is slow, @channel',
      text: 'GET https://api.example.com/health took 4 s',
      attributes: { latencyMs: 4000 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'mattermost', endpoint, ...spec },
    subscriptionName: 'mattermost',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('mattermost channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let hook: string;

  before(async () => {
    receiver = await TestReceiver.start();
    hook = `${receiver.url}/hooks/xxx-generatedkey-xxx`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 200, body: 'ok', headers: { 'content-type': 'text/plain' } }));

  it('posts a coloured attachment with the overrides and takes 200 ok as delivered', async () => {
    const spec = { channel: 'town-square', username: 'tocsin', iconUrl: 'https://example.com/i.png' };
    assert.deepEqual(await mattermostChannel.send(request(hook, {}, spec)), { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.path, '/hooks/xxx-generatedkey-xxx');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      attachments: [
        {
          fallback: '[WARNING] API is slow, @channel',
          color: '#f2a900',
          title: '🟡 API is slow, @\u200bchannel',
          fields: [
            { short: true, title: 'Severity', value: 'warning' },
            { short: true, title: 'Source', value: 'monitor/api-health' },
            { short: true, title: 'latencyMs', value: '4000' },
          ],
          footer: 'Tocsin · topic ops · 2026-01-02T03:04:05.000Z',
          text: 'GET https://api.example.com/health took 4 s',
        },
      ],
      channel: 'town-square',
      username: 'tocsin',
      icon_url: 'https://example.com/i.png',
    });
  });

  it('shows a resolution in green as resolved', async () => {
    await mattermostChannel.send(request(hook, { kind: 'monitor.up', severity: 'info', title: 'API is fast again' }));
    const [a] = JSON.parse(receiver.single().body).attachments;
    assert.equal(a.color, '#2f9e44');
    assert.equal(a.title, '✅ Resolved: API is fast again');
    assert.equal(a.fields[0].value, 'resolved (info)');
  });

  it('keeps a long text under the 16,383 characters of a post, cut with a mark', async () => {
    await mattermostChannel.send(request(hook, { text: 'x'.repeat(50_000) }));
    const [a] = JSON.parse(receiver.single().body).attachments;
    assert.ok(a.text.length < MATTERMOST_TEXT_MAX && a.text.length > 16_000);
    assert.ok(a.text.endsWith('…'));
  });

  it('sends a group as an attachment per event, at most 30', async () => {
    await mattermostChannel.send(groupRequest(request(hook), monitorChanges(40, time)));
    const body = JSON.parse(receiver.single().body);
    assert.match(body.text, /^🔴 \*\*\[CRITICAL\]\*\* 27 down, 13 recovered: .* \(40 events, topic ops\)$/);
    assert.equal(body.attachments.length, 30);
    assert.equal(body.attachments[0].title, '🔴 site-0 is down');
    assert.equal(body.attachments[2].color, '#2f9e44');
    assert.equal(body.attachments[29].title, 'and 11 more');
  });

  it('dead-letters a locked channel and a missing webhook with what the id means; retries 429 and 500', async () => {
    const answer = (status: number, id: string, message: string) => ({
      status,
      body: JSON.stringify({ id, message, detailed_error: '', request_id: 'r', status_code: status }),
    });
    receiver.answer(
      answer(403, 'web.incoming_webhook.channel_locked.app_error', 'This webhook is not permitted to post'),
      answer(400, 'web.incoming_webhook.invalid.app_error', 'Invalid webhook.'),
      { status: 429, body: 'limit exceeded', headers: { 'retry-after': '2', 'x-ratelimit-reset': '2' } },
      answer(500, 'app.post.save.app_error', 'Unable to save the post.'),
    );
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await mattermostChannel.send(request(hook, {}, { channel: 'x' })));
    const [locked, invalid, limited, failed] = outcomes;
    assert.deepEqual(locked, {
      ok: false,
      retryable: false,
      status: 403,
      error:
        'mattermost answered 403 web.incoming_webhook.channel_locked.app_error: ' +
        'the webhook is locked to its channel; remove `channel`',
      retryAfterMs: undefined,
    });
    assert.ok(!invalid.ok && !invalid.retryable);
    if (!invalid.ok) assert.match(invalid.error, /invalid\.app_error: the webhook does not exist/);
    assert.deepEqual(limited, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'mattermost answered 429: limit exceeded',
      retryAfterMs: 2000,
    });
    assert.ok(!failed.ok && failed.retryable);
    if (!failed.ok)
      assert.equal(failed.error, 'mattermost answered 500 app.post.save.app_error: Unable to save the post.');
  });

  it('retries when nothing listens; a budget per webhook URL', async () => {
    const outcome = await mattermostChannel.send(request(`${await refusedUrl()}/hooks/x`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
    assert.equal(mattermostChannel.destinationKey({ endpoint: hook, channel: 'a' }), hook);
    assert.equal(mattermostChannel.defaultRateLimit, 10);
  });

  it('names a wrong field of a subscription', () => {
    const result = subscriptionInputSchema.safeParse({ protocol: 'mattermost', endpoint: hook, iconUrl: 'icon.png' });
    assert.deepEqual(result.error?.issues[0].path, ['iconUrl']);
  });
});
