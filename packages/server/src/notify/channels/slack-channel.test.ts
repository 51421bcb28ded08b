import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { slackChannel } from './slack-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);

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
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      title: 'API is down',
      text: 'GET https://api.example.com/health answered 503 <twice>',
      attributes: { status: 503, latencyMs: 1234 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'slack', endpoint, ...spec },
    subscriptionName: 'ops-slack',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('slack channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let hook: string;

  before(async () => {
    receiver = await TestReceiver.start();
    hook = `${receiver.url}/services/T000/B000/H00K`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 200, body: 'ok' }));

  it('posts text and blocks to the webhook and takes 200 ok as delivered', async () => {
    const outcome = await slackChannel.send(request(hook));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/services/T000/B000/H00K');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      text: '🔴 *[CRITICAL]* API is down',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔴 API is down', emoji: true } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'GET https://api.example.com/health answered 503 &lt;twice&gt;' },
        },
        { type: 'section', text: { type: 'mrkdwn', text: '```status: 503\nlatencyMs: 1234```' } },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: '*Source:* monitor/api-health' },
            { type: 'mrkdwn', text: '*Severity:* critical' },
            { type: 'mrkdwn', text: `<!date^${time / 1000}^{date_short_pretty} {time_secs}|2025-01-02T03:04:05.000Z>` },
            { type: 'mrkdwn', text: '*Topic:* ops' },
          ],
        },
      ],
    });
  });

  it('names the channel when the subscription sets one', async () => {
    await slackChannel.send(request(hook, {}, { channel: '#alerts' }));
    assert.equal(JSON.parse(receiver.single().body).channel, '#alerts');
  });

  it('says when an event resolves a problem', async () => {
    await slackChannel.send(
      request(hook, { kind: 'monitor.up', severity: 'info', title: 'API is up', text: '', attributes: {} }),
    );
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.text, '✅ *[RESOLVED]* API is up');
    assert.equal(body.blocks[0].text.text, '✅ Resolved: API is up');
    assert.equal(body.blocks.length, 2, 'no text or attribute sections when there are none');
    assert.equal(body.blocks[1].elements[1].text, '*Severity:* resolved (info)');
    assert.equal(body.channel, undefined);
  });

  it("keeps the header within Slack's 150 characters", async () => {
    await slackChannel.send(request(hook, { title: 'x'.repeat(400) }));
    const header = JSON.parse(receiver.single().body).blocks[0].text.text as string;
    assert.equal(header.length, 150);
    assert.ok(header.endsWith('…'));
  });

  it('posts a group as one message with the summary and a section per event, oldest first', async () => {
    const events = monitorChanges(3, time);
    await slackChannel.send(groupRequest(request(hook, {}, { channel: '#alerts' }), events));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.text, '🔴 *[CRITICAL]* 2 down, 1 recovered: site-0, site-1, site-2');
    assert.equal(body.channel, '#alerts');
    assert.equal(body.blocks.length, 5);
    assert.deepEqual(body.blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: '🔴 2 down, 1 recovered: site-0, site-1, site-2', emoji: true },
    });
    assert.deepEqual(body.blocks[1], {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          `🔴 <!date^${time / 1000}^{time_secs}|2025-01-02T03:04:05.000Z> *site-0 is down* · monitor/site-0\n` +
          'https://site-0.example.com/health: answered 503 &lt;Service Unavailable&gt;',
      },
    });
    assert.match(body.blocks[3].text.text, /^✅ .*\*site-2 is up again\*/);
    assert.equal(body.blocks[4].type, 'context');
    assert.equal(body.blocks[4].elements[0].text, '*Events:* 3');
  });

  it("keeps a large group within Slack's 50 blocks and says how many more there were", async () => {
    const events = monitorChanges(60, time);
    await slackChannel.send(groupRequest(request(hook), events));
    const blocks = JSON.parse(receiver.single().body).blocks;
    assert.equal(blocks.length, 50);
    assert.match(blocks[47].text.text, /\*site-46 is down\*/);
    assert.deepEqual(blocks[48], { type: 'section', text: { type: 'mrkdwn', text: '_and 13 more_' } });
    assert.equal(blocks[49].type, 'context');
  });

  it("dead-letters invalid_payload with Slack's code and what it means", async () => {
    receiver.answer({ status: 400, body: 'invalid_payload' });
    const outcome = await slackChannel.send(request(hook));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: false,
      status: 400,
      error: 'slack answered 400 invalid_payload: Slack could not read the message',
      retryAfterMs: undefined,
    });
  });

  it('dead-letters channel_not_found and no_service', async () => {
    receiver.answer({ status: 404, body: 'channel_not_found' }, { status: 404, body: 'no_service' });
    const first = await slackChannel.send(request(hook));
    const second = await slackChannel.send(request(hook));
    assert.equal(first.ok, false);
    assert.equal(second.ok, false);
    if (first.ok || second.ok) return;
    assert.equal(first.retryable, false);
    assert.equal(
      first.error,
      'slack answered 404 channel_not_found: the channel does not exist or the app is not in it',
    );
    assert.equal(second.retryable, false);
    assert.match(second.error, /^slack answered 404 no_service: the webhook is disabled/);
  });

  it('retries 429 after the Retry-After Slack gives', async () => {
    receiver.answer({ status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } });
    const outcome = await slackChannel.send(request(hook));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'slack answered 429: rate_limited',
      retryAfterMs: 7000,
    });
  });

  it('retries 500 rollup_error', async () => {
    receiver.answer({ status: 500, body: 'rollup_error' });
    const outcome = await slackChannel.send(request(hook));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.retryable, true);
    assert.equal(outcome.status, 500);
    assert.equal(outcome.error, 'slack answered 500 rollup_error: Slack had an internal error');
  });

  it('retries when nothing listens', async () => {
    const outcome = await slackChannel.send(request(`${await refusedUrl()}/services/x`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('shares one budget of one message a second per webhook URL', () => {
    assert.equal(slackChannel.defaultRateLimit, 1);
    assert.equal(slackChannel.destinationKey({ endpoint: hook, channel: '#a' }), hook);
    assert.equal(slackChannel.destinationKey({ endpoint: hook, channel: '#b' }), hook);
  });
});
