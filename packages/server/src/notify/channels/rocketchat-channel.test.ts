import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { rocketchatChannel } from './rocketchat-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 5, 1, 12, 0, 5);

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
      text: 'https://api.example.com/health: status 503',
      attributes: { statusCode: 503, latencyMs: 1234 },
      dedupKey: 'monitor:api',
      ...event,
    },
    spec: { protocol: 'rocketchat', endpoint, ...spec },
    subscriptionName: 'ops-rocketchat',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('rocketchat channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let hook: string;

  before(async () => {
    receiver = await TestReceiver.start();
    hook = `${receiver.url}/hooks/67a0b1c2/s3cr3tT0k3n`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 200, body: '{"success":true}' }));

  it('posts text and a coloured attachment to the integration and takes 200 as delivered', async () => {
    const outcome = await rocketchatChannel.send(request(hook));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/67a0b1c2/s3cr3tT0k3n');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(req.body), {
      text: '🔴 *[CRITICAL]* api is down',
      attachments: [
        {
          title: 'api is down',
          text: 'https://api.example.com/health: status 503',
          color: '#c92a2a',
          ts: '2026-06-01T12:00:05.000Z',
          fields: [
            { short: true, title: 'Source', value: 'monitor/api' },
            { short: true, title: 'Severity', value: 'critical' },
            { short: true, title: 'Topic', value: 'ops' },
            { short: true, title: 'statusCode', value: '503' },
            { short: true, title: 'latencyMs', value: '1234' },
          ],
        },
      ],
    });
  });

  it('sets channel, alias and emoji when the subscription gives them', async () => {
    await rocketchatChannel.send(request(hook, {}, { channel: '#alerts', alias: 'Tocsin', emoji: ':rotating_light:' }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.channel, '#alerts');
    assert.equal(body.alias, 'Tocsin');
    assert.equal(body.emoji, ':rotating_light:');
  });

  it('paints a resolution green and says resolved', async () => {
    await rocketchatChannel.send(
      request(hook, { kind: 'monitor.up', severity: 'info', title: 'api is up again', text: '', attributes: {} }),
    );
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.text, '✅ *[RESOLVED]* api is up again');
    assert.equal(body.attachments[0].color, '#2f9e44');
    assert.equal(body.attachments[0].title, 'Resolved: api is up again');
    assert.equal(body.attachments[0].text, undefined);
    assert.equal(body.attachments[0].fields[1].value, 'resolved (info)');
    assert.equal(body.channel, undefined);
  });

  it("cuts long texts to Rocket.Chat's 5,000 characters with a mark, never refusing them", async () => {
    await rocketchatChannel.send(request(hook, { title: 't'.repeat(6000), text: 'x'.repeat(20000) }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.text.length, 5000);
    assert.ok(body.text.endsWith('…'));
    assert.equal(body.attachments[0].text.length, 5000);
    assert.ok(body.attachments[0].text.endsWith('…'));
  });

  it('posts a group as one message, an attachment per event, and says how many more past 20', async () => {
    await rocketchatChannel.send(groupRequest(request(hook), monitorChanges(3, time)));
    const small = JSON.parse(receiver.single().body);
    assert.equal(small.text, '🔴 *[CRITICAL]* 2 down, 1 recovered: site-0, site-1, site-2');
    assert.deepEqual(
      small.attachments.map((a: { title: string; color: string }) => [a.title, a.color]),
      [
        ['site-0 is down', '#c92a2a'],
        ['site-1 is down', '#c92a2a'],
        ['Resolved: site-2 is up again', '#2f9e44'],
      ],
    );
    receiver.reset();
    await rocketchatChannel.send(groupRequest(request(hook), monitorChanges(30, time)));
    const large = JSON.parse(receiver.single().body);
    assert.equal(large.attachments.length, 19);
    assert.match(large.text, /\n_and 11 more_$/);
  });

  it("dead-letters a refused payload with Rocket.Chat's error", async () => {
    receiver.answer({ status: 400, body: '{"success":false,"error":"error-invalid-channel"}' });
    const outcome = await rocketchatChannel.send(request(hook, {}, { channel: '#nope' }));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: false,
      status: 400,
      error: 'rocketchat answered 400: error-invalid-channel',
      retryAfterMs: undefined,
    });
  });

  it('dead-letters an unknown integration (a wrong token) and says to check the URL', async () => {
    receiver.answer({ status: 404, body: '{"success":false,"error":"Invalid integration id or token provided."}' });
    const outcome = await rocketchatChannel.send(request(hook));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.retryable, false);
    assert.match(outcome.error, /^rocketchat answered 404: Invalid integration id or token provided\. \(the integ/);
  });

  it('retries 429 after its Retry-After, and 5xx', async () => {
    receiver.answer(
      { status: 429, body: '{"success":false,"error":"Error, too many requests."}', headers: { 'retry-after': '12' } },
      { status: 503, body: 'upstream down' },
    );
    const limited = await rocketchatChannel.send(request(hook));
    assert.deepEqual(limited, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'rocketchat answered 429: Error, too many requests.',
      retryAfterMs: 12000,
    });
    const down = await rocketchatChannel.send(request(hook));
    assert.equal(!down.ok && down.retryable, true);
  });

  it('retries when nothing listens', async () => {
    const outcome = await rocketchatChannel.send(request(`${await refusedUrl()}/hooks/x/y`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('keys the rate budget by the webhook URL without showing its token', () => {
    const key = rocketchatChannel.destinationKey({ endpoint: hook, channel: '#a' });
    assert.equal(key, rocketchatChannel.destinationKey({ endpoint: hook, channel: '#b' }));
    assert.notEqual(key, rocketchatChannel.destinationKey({ endpoint: `${hook}x` }));
    assert.ok(!key.includes('s3cr3tT0k3n'));
  });

  it('names a wrong field of the subscription', () => {
    const parsed = subscriptionInputSchema.safeParse({ protocol: 'rocketchat', endpoint: hook, emoji: 'siren' });
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error?.issues.map((i) => i.path),
      [['emoji']],
    );
    const unknown = subscriptionInputSchema.safeParse({ protocol: 'rocketchat', endpoint: hook, room: '#a' });
    assert.equal(unknown.error?.issues[0].code, 'unrecognized_keys');
  });
});
