import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { configFileSchema, subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import {
  OPSGENIE_ALIAS_MAX,
  OPSGENIE_API,
  OPSGENIE_DESCRIPTION_MAX,
  OPSGENIE_DETAILS_MAX,
  OPSGENIE_MESSAGE_MAX,
  OPSGENIE_TAGS_MAX,
  opsgenieBaseUrl,
  opsgenieChannel,
} from './opsgenie-channel.js';
import { formatIssues, loadConfigText } from '../../config/config-loader.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);
const apiKey = 'eb243592-faa2-4ba2-a551-1afdf565c889';
const accepted = {
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ result: 'Request will be processed', took: 0.302, requestId: '43a29c5c-3dbf-4fa4-9c26' }),
};

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
      text: 'answered 503 twice',
      attributes: { status: 503, url: 'https://api.example.com/health' },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'opsgenie', apiKey, endpoint, ...spec },
    subscriptionName: 'oncall',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('opsgenie channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;

  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset(accepted));

  it('creates an alert with the dedup key as alias, the GenieKey header and 202 as delivered', async () => {
    const outcome = await opsgenieChannel.send(
      request(receiver.url, {}, { responders: ['team:ops', 'user:jane@example.com'], tags: ['payments'] }),
    );
    assert.deepEqual(outcome, { ok: true, status: 202 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v2/alerts');
    assert.equal(req.headers.authorization, `GenieKey ${apiKey}`);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      message: 'API is down',
      alias: 'monitor:api-health',
      description: 'answered 503 twice\n\nstatus: 503\nurl: https://api.example.com/health',
      tags: ['payments', 'critical', 'monitor', 'env:prod'],
      details: {
        topic: 'ops',
        kind: 'monitor.down',
        source: 'monitor/api-health',
        time: '2026-01-02T03:04:05.000Z',
        status: '503',
        url: 'https://api.example.com/health',
      },
      entity: 'monitor/api-health',
      source: 'Tocsin',
      priority: 'P1',
      responders: [
        { type: 'team', name: 'ops' },
        { type: 'user', username: 'jane@example.com' },
      ],
    });
  });

  it('closes the alert by alias when the problem ends', async () => {
    const outcome = await opsgenieChannel.send(
      request(receiver.url, { kind: 'monitor.up', severity: 'ok', title: 'API is up', text: '', attributes: {} }),
    );
    assert.equal(outcome.ok, true);
    const req = receiver.single();
    assert.equal(req.path, '/v2/alerts/monitor%3Aapi-health/close?identifierType=alias');
    assert.equal(req.headers.authorization, `GenieKey ${apiKey}`);
    assert.deepEqual(JSON.parse(req.body), { source: 'Tocsin', note: 'API is up' });
  });

  it('maps severities to priorities P1 to P4', async () => {
    const expected = { critical: 'P1', error: 'P2', warning: 'P3', info: 'P4' } as const;
    for (const [severity, priority] of Object.entries(expected)) {
      receiver.reset();
      await opsgenieChannel.send(request(receiver.url, { severity: severity as keyof typeof expected }));
      assert.equal(JSON.parse(receiver.single().body).priority, priority, severity);
    }
  });

  it("cuts message, description, alias, tags and details to Opsgenie's limits with a mark", async () => {
    const attributes: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) attributes[`a${i}`] = 'v'.repeat(900);
    const tags: Record<string, string> = {};
    for (let i = 0; i < 30; i++) tags[`t${i}`] = 'x'.repeat(60);
    await opsgenieChannel.send(
      request(receiver.url, {
        title: 'T'.repeat(500),
        text: 'd'.repeat(20_000),
        dedupKey: 'k'.repeat(1000),
        attributes,
        source: { type: 'monitor', name: 'api', tags },
      }),
    );
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.message.length, OPSGENIE_MESSAGE_MAX);
    assert.ok(body.message.endsWith('…'));
    assert.equal(body.description.length, OPSGENIE_DESCRIPTION_MAX);
    assert.ok(body.description.endsWith('…'));
    assert.equal(body.alias.length, OPSGENIE_ALIAS_MAX);
    assert.equal(body.tags.length, OPSGENIE_TAGS_MAX);
    for (const t of body.tags) assert.ok(t.length <= 50, t);
    const detailChars = Object.entries(body.details as Record<string, string>).reduce(
      (n, [k, v]) => n + k.length + v.length,
      0,
    );
    assert.ok(detailChars <= OPSGENIE_DETAILS_MAX, `${detailChars} characters of details`);
    assert.ok(Object.keys(body.details).length < 24, 'details stop at the budget');
  });

  it('closes a long dedup key by the same cut alias it created', async () => {
    const dedupKey = 'k'.repeat(1000);
    await opsgenieChannel.send(request(receiver.url, { dedupKey }));
    await opsgenieChannel.send(request(receiver.url, { dedupKey, severity: 'ok', kind: 'monitor.up' }));
    const alias = JSON.parse(receiver.requests[0].body).alias as string;
    assert.equal(receiver.requests[1].path, `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`);
  });

  it('takes the US or EU host by region, or the override', () => {
    assert.equal(opsgenieBaseUrl({}), OPSGENIE_API.us);
    assert.equal(opsgenieBaseUrl({ region: 'eu' }), 'https://api.eu.opsgenie.com');
    assert.equal(opsgenieBaseUrl({ region: 'eu', endpoint: 'http://proxy:8080/' }), 'http://proxy:8080');
  });

  it('dead-letters 401, 403 and 422 with Opsgenie’s message', async () => {
    receiver.answer(
      { status: 401, body: JSON.stringify({ message: 'Could not authenticate', took: 0.0, requestId: 'r1' }) },
      { status: 403, body: JSON.stringify({ message: 'Key is not authorized to do this', took: 0.0 }) },
      {
        status: 422,
        body: JSON.stringify({
          message: 'Request body is not processable. Please check the errors.',
          errors: { message: 'Message can not be empty.' },
          took: 0.0,
        }),
      },
    );
    const auth = await opsgenieChannel.send(request(receiver.url));
    assert.deepEqual(auth, {
      ok: false,
      retryable: false,
      status: 401,
      error: 'opsgenie answered 401: Could not authenticate (check the API key and the region)',
      retryAfterMs: undefined,
    });
    const forbidden = await opsgenieChannel.send(request(receiver.url));
    assert.equal(!forbidden.ok && forbidden.retryable, false);
    const invalid = await opsgenieChannel.send(request(receiver.url));
    assert.deepEqual(invalid, {
      ok: false,
      retryable: false,
      status: 422,
      error:
        'opsgenie answered 422: Request body is not processable. Please check the errors. ' +
        '(message: Message can not be empty.)',
      retryAfterMs: undefined,
    });
  });

  it('retries 429 (with Retry-After when given) and 5xx', async () => {
    receiver.answer(
      {
        status: 429,
        headers: { 'retry-after': '3', 'x-ratelimit-state': 'THROTTLED' },
        body: JSON.stringify({ message: 'You are making too many requests!', took: 0.0 }),
      },
      { status: 503, body: 'unavailable' },
    );
    const throttled = await opsgenieChannel.send(request(receiver.url));
    assert.deepEqual(throttled, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'opsgenie answered 429: You are making too many requests!',
      retryAfterMs: 3000,
    });
    const down = await opsgenieChannel.send(request(receiver.url));
    assert.equal(!down.ok && down.retryable, true);
    assert.equal(!down.ok && down.error, 'opsgenie answered 503: unavailable');
    const refused = await opsgenieChannel.send(request(await refusedUrl()));
    assert.deepEqual(refused, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('keys the rate budget by API host and a hash of the key, never the key', () => {
    const key = opsgenieChannel.destinationKey({ apiKey, region: 'eu' });
    assert.match(key, /^https:\/\/api\.eu\.opsgenie\.com#[0-9a-f]{12}$/);
    assert.ok(!key.includes(apiKey));
    assert.notEqual(key, opsgenieChannel.destinationKey({ apiKey: `${apiKey}x`, region: 'eu' }));
  });

  it('names a wrong field by its path, in the API body and the config file', () => {
    const body = subscriptionInputSchema.safeParse({ protocol: 'opsgenie', apiKey, region: 'asia' });
    assert.deepEqual(body.error?.issues[0].path, ['region']);
    const responder = subscriptionInputSchema.safeParse({ protocol: 'opsgenie', apiKey, responders: ['ops'] });
    assert.deepEqual(responder.error?.issues[0].path, ['responders', 0]);
    const config = configFileSchema.safeParse({
      version: 1,
      topics: [{ name: 'ops', subscriptions: [{ protocol: 'opsgenie', apiKey, groupWindowSeconds: 60 }] }],
    });
    assert.deepEqual(config.error?.issues[0].path, ['topics', 0, 'subscriptions', 0, 'groupWindowSeconds']);
    assert.match(config.error?.issues[0].message ?? '', /Opsgenie cannot group events/);
    const file = [
      'version: 1',
      'topics:',
      '  - name: ops',
      '    subscriptions:',
      '      - protocol: opsgenie',
      '        apiKey: ${OPSGENIE_KEY}',
      '        region: asia',
      '',
    ].join('\n');
    const loaded = loadConfigText(file, 'tocsin.yaml', { OPSGENIE_KEY: apiKey });
    assert.equal(loaded.ok, false);
    assert.match(
      !loaded.ok ? formatIssues(loaded.issues) : '',
      /^tocsin\.yaml:7: topics\.0\.subscriptions\.0\.region: /,
    );
  });
});
