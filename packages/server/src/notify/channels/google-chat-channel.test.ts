import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { GOOGLE_CHAT_MAX_BYTES, googleChatChannel } from './google-chat-channel.js';
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
      text: 'answered 503 <Service Unavailable>',
      attributes: { status: 503 },
      dedupKey: 'monitor/api-health/1767323045000',
      ...event,
    },
    spec: { protocol: 'google_chat', endpoint },
    subscriptionName: 'google_chat',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

const okAnswer = { status: 200, body: JSON.stringify({ name: 'spaces/AAA/messages/m1' }) };

describe('google chat channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let hook: string;

  before(async () => {
    receiver = await TestReceiver.start();
    hook = `${receiver.url}/v1/spaces/AAA/messages?key=k3y&token=t0k`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(okAnswer));

  it('posts a card in the thread of the dedup key, replying when the thread exists', async () => {
    assert.deepEqual(await googleChatChannel.send(request(hook)), { ok: true, status: 200 });
    const req = receiver.single();
    const url = new URL(req.path, receiver.url);
    assert.equal(url.pathname, '/v1/spaces/AAA/messages');
    assert.equal(url.searchParams.get('key'), 'k3y');
    assert.equal(url.searchParams.get('token'), 't0k');
    assert.equal(url.searchParams.get('messageReplyOption'), 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      fallbackText: '🔴 [CRITICAL] API is down',
      cardsV2: [
        {
          cardId: 'tocsin-event',
          card: {
            header: { title: '🔴 API is down', subtitle: 'CRITICAL · topic ops' },
            sections: [
              {
                widgets: [
                  {
                    textParagraph: {
                      text:
                        '<font color="#c92a2a"><b>CRITICAL</b></font> · monitor/api-health · ' +
                        '2026-01-02T03:04:05.000Z',
                    },
                  },
                  { textParagraph: { text: 'answered 503 &lt;Service Unavailable&gt;' } },
                ],
              },
              {
                header: 'Details',
                collapsible: false,
                uncollapsibleWidgetsCount: 5,
                widgets: [{ decoratedText: { topLabel: 'status', text: '503', wrapText: true } }],
              },
            ],
          },
        },
      ],
      thread: { threadKey: 'monitor/api-health/1767323045000' },
    });
  });

  it("puts the resolution in its problem's thread, in green", async () => {
    await googleChatChannel.send(request(hook));
    await googleChatChannel.send(request(hook, { kind: 'monitor.up', severity: 'ok', title: 'API is up', text: '' }));
    const [down, up] = receiver.requests.map((r) => JSON.parse(r.body));
    assert.equal(up.thread.threadKey, down.thread.threadKey);
    assert.equal(up.cardsV2[0].card.header.title, '✅ Resolved: API is up');
    assert.match(up.cardsV2[0].card.sections[0].widgets[0].textParagraph.text, /^<font color="#2f9e44"><b>RESOLVED/);
  });

  it('keeps a huge event within 32,000 bytes, its text cut with a mark', async () => {
    await googleChatChannel.send(request(hook, { text: '<€>'.repeat(20_000) }));
    const body = receiver.single().body;
    assert.ok(Buffer.byteLength(body) <= GOOGLE_CHAT_MAX_BYTES, `${Buffer.byteLength(body)} bytes`);
    const text = JSON.parse(body).cardsV2[0].card.sections[0].widgets[1].textParagraph.text as string;
    assert.ok(text.endsWith('…') && text.length > 1000);
  });

  it('sends a group as one card in a new thread, saying how many more past 40', async () => {
    await googleChatChannel.send(groupRequest(request(hook), monitorChanges(50, time)));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.thread, undefined);
    const card = body.cardsV2[0].card;
    assert.equal(card.header.subtitle, '50 events · topic ops');
    const widgets = card.sections[0].widgets;
    assert.equal(widgets.length, 41);
    assert.match(widgets[0].textParagraph.text, /^🔴 .*<b>site-0 is down<\/b> · monitor\/site-0/);
    assert.equal(widgets[40].textParagraph.text, '<i>and 10 more</i>');
  });

  it('retries RESOURCE_EXHAUSTED and dead-letters INVALID_ARGUMENT and PERMISSION_DENIED', async () => {
    const answer = (code: number, status: string, message: string) => ({
      status: code,
      body: JSON.stringify({ error: { code, message, status } }),
    });
    receiver.answer(
      answer(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'),
      answer(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'),
      answer(403, 'PERMISSION_DENIED', 'The caller does not have permission'),
    );
    const limited = await googleChatChannel.send(request(hook));
    assert.deepEqual(limited, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'google chat answered 429 RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota).',
      retryAfterMs: undefined,
    });
    const invalid = await googleChatChannel.send(request(hook));
    const denied = await googleChatChannel.send(request(hook));
    assert.ok(!invalid.ok && !invalid.retryable && !denied.ok && !denied.retryable);
    if (invalid.ok || denied.ok) return;
    assert.equal(invalid.error, 'google chat answered 400 INVALID_ARGUMENT: Invalid JSON payload received.');
    assert.equal(denied.error, 'google chat answered 403 PERMISSION_DENIED: The caller does not have permission');
  });

  it('retries when nothing listens; webhooks of one space share its budget', async () => {
    const outcome = await googleChatChannel.send(request(`${await refusedUrl()}/v1/spaces/A/messages?key=k`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
    const a = googleChatChannel.destinationKey({
      endpoint: 'https://chat.googleapis.com/v1/spaces/AAA/messages?key=1&token=a',
    });
    const b = googleChatChannel.destinationKey({
      endpoint: 'https://chat.googleapis.com/v1/spaces/AAA/messages?key=1&token=b',
    });
    assert.equal(a, b);
    assert.equal(a, 'https://chat.googleapis.com/v1/spaces/AAA/messages');
    assert.equal(googleChatChannel.defaultRateLimit, 1);
  });

  it('names a wrong field of a subscription', () => {
    const result = subscriptionInputSchema.safeParse({ protocol: 'google_chat', endpoint: 'chat.googleapis.com' });
    assert.deepEqual(result.error?.issues[0].path, ['endpoint']);
  });
});
