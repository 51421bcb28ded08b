import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { TELEGRAM_TEXT_MAX, telegramChannel } from './telegram-channel.js';
import { formatIssues, loadConfigText } from '../../config/config-loader.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);
const token = '123456:AAbb-cc_DD';

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
      title: 'API <prod> is down',
      text: 'GET https://api.example.com/health?a=1&b=2 answered 503',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'telegram', botToken: token, chatId: -1001234, endpoint, ...spec },
    subscriptionName: 'telegram',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

/** The text as Telegram shows it: tags dropped, entities read (what its 4,096 counts). */
function shown(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const okAnswer = { status: 200, body: JSON.stringify({ ok: true, result: { message_id: 7 } }) };

describe('telegram channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;

  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(okAnswer));

  it('calls sendMessage with the bot token, the chat and escaped HTML', async () => {
    assert.deepEqual(await telegramChannel.send(request(receiver.url)), { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/bot${token}/sendMessage`);
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      chat_id: -1001234,
      text:
        '🔴 <b>[CRITICAL] API &lt;prod&gt; is down</b>\n' +
        'GET https://api.example.com/health?a=1&amp;b=2 answered 503\n' +
        '<pre>status: 503</pre>\n' +
        '<i>monitor/api-health · topic ops · 2026-01-02T03:04:05.000Z</i>',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
  });

  it('posts in a forum topic and to a channel by @name', async () => {
    await telegramChannel.send(request(receiver.url, {}, { chatId: '@ops_alerts', messageThreadId: 42 }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.chat_id, '@ops_alerts');
    assert.equal(body.message_thread_id, 42);
  });

  it('says resolved for a recovery', async () => {
    await telegramChannel.send(request(receiver.url, { kind: 'monitor.up', severity: 'ok', title: 'API is up' }));
    assert.match(JSON.parse(receiver.single().body).text, /^✅ <b>\[RESOLVED\] API is up<\/b>/);
  });

  it('keeps the shown text within 4,096 characters, cut with a mark', async () => {
    await telegramChannel.send(request(receiver.url, { text: '<&>'.repeat(5000) }));
    const text = shown(JSON.parse(receiver.single().body).text);
    assert.ok(text.length <= TELEGRAM_TEXT_MAX, `${text.length}`);
    assert.ok(text.length > 4000);
    assert.match(text, /…\nstatus: 503\n/);
  });

  it('lists a group within the limit and says how many more', async () => {
    await telegramChannel.send(groupRequest(request(receiver.url), monitorChanges(3, time)));
    const small = JSON.parse(receiver.single().body).text as string;
    assert.match(
      small,
      /^🔴 <b>\[CRITICAL\] 2 down, 1 recovered: site-0, site-1, site-2<\/b>\n\n🔴 03:04:05 <b>site-0/,
    );
    assert.match(small, /✅ 03:04:07 <b>site-2 is up again<\/b> · monitor\/site-2\n/);
    assert.match(small, /\n<i>3 events · topic ops<\/i>$/);
    receiver.reset();
    await telegramChannel.send(groupRequest(request(receiver.url), monitorChanges(100, time)));
    const big = shown(JSON.parse(receiver.single().body).text);
    assert.ok(big.length <= TELEGRAM_TEXT_MAX);
    assert.match(big, /\n\nand \d+ more\n100 events · topic ops$/);
  });

  it('retries 429 after parameters.retry_after', async () => {
    receiver.answer({
      status: 429,
      body: JSON.stringify({
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 35',
        parameters: { retry_after: 35 },
      }),
    });
    assert.deepEqual(await telegramChannel.send(request(receiver.url)), {
      ok: false,
      retryable: true,
      status: 429,
      error: 'telegram answered 429: Too Many Requests: retry after 35',
      retryAfterMs: 35_000,
    });
  });

  it('dead-letters 400, 401 and 403 with the description, and a migrated group with its new id', async () => {
    const answer = (status: number, description: string, parameters?: object) => ({
      status,
      body: JSON.stringify({ ok: false, error_code: status, description, parameters }),
    });
    receiver.answer(
      answer(400, 'Bad Request: chat not found'),
      answer(401, 'Unauthorized'),
      answer(403, 'Forbidden: bot was kicked from the group chat'),
      answer(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -100987 }),
    );
    const errors: string[] = [];
    for (let i = 0; i < 4; i++) {
      const o = await telegramChannel.send(request(receiver.url));
      assert.equal(o.ok, false);
      if (!o.ok) {
        assert.equal(o.retryable, false);
        assert.ok(!o.error.includes(token), 'the token stays out of the error');
        errors.push(o.error);
      }
    }
    assert.deepEqual(errors, [
      'telegram answered 400: Bad Request: chat not found',
      'telegram answered 401: Unauthorized (the bot token is wrong or was revoked; get it again from @BotFather)',
      'telegram answered 403: Forbidden: bot was kicked from the group chat ' +
        '(the bot is not in the chat, was removed from it, or the user blocked it)',
      'telegram answered 400: Bad Request: group chat was upgraded to a supergroup chat ' +
        '(the group is now a supergroup: set chatId to -100987)',
    ]);
  });

  it('retries when nothing listens; a budget per bot and chat, the token hashed', async () => {
    const outcome = await telegramChannel.send(request(await refusedUrl()));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
    const key = telegramChannel.destinationKey({ botToken: token, chatId: -1 });
    assert.ok(!key.includes(token));
    assert.match(key, /^https:\/\/api\.telegram\.org#[0-9a-f]{12}#-1$/);
    assert.notEqual(key, telegramChannel.destinationKey({ botToken: token, chatId: -2 }));
    assert.equal(telegramChannel.defaultRateLimit, 20 / 60);
  });

  it('names a wrong field of a subscription', () => {
    const badToken = subscriptionInputSchema.safeParse({ protocol: 'telegram', botToken: 'nope', chatId: 1 });
    assert.deepEqual(badToken.error?.issues[0].path, ['botToken']);
    const badChat = subscriptionInputSchema.safeParse({ protocol: 'telegram', botToken: token, chatId: 'ops' });
    assert.deepEqual(badChat.error?.issues[0].path, ['chatId']);
    const ok = subscriptionInputSchema.safeParse({ protocol: 'telegram', botToken: token, chatId: '-100123' });
    assert.equal(ok.success, true);
  });

  it('explains a wrong field of a config file at its line', () => {
    const text = [
      'version: 1',
      'topics:',
      '  - name: ops',
      '    subscriptions:',
      '      - protocol: telegram',
      '        botToken: ${TG_TOKEN}',
      '        chatId: ops',
      '        threadId: 4',
      '',
    ].join('\n');
    const r = loadConfigText(text, 'tocsin.yaml', { TG_TOKEN: token });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(formatIssues(r.issues).split('\n'), [
      'tocsin.yaml:7: topics.0.subscriptions.0.chatId: a numeric chat id or a channel’s @username',
      'tocsin.yaml:8: topics.0.subscriptions.0.threadId: unknown field',
    ]);
  });
});
