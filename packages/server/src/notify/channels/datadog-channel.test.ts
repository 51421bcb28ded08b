import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { aggregationKey, createDatadogChannel, DATADOG_ENDPOINT } from './datadog-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);
const apiKey = 'dd0123456789abcdef0123456789abcd';
/** The wall clock the channel reads: a minute after the event, unless a test moves it. */
let wallClock = time + 60_000;
const datadogChannel = createDatadogChannel(() => wallClock);
const accepted = {
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'ok', event: { id: 1 } }),
};

function request(endpoint: string | undefined, event: Partial<TocsinEvent> = {}): SendRequest {
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
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod', team: 'core' } },
      title: 'API is down',
      text: 'answered 503 twice',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'datadog', apiKey, ...(endpoint ? { endpoint } : {}) },
    subscriptionName: 'dd',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('datadog channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let endpoint: string;

  before(async () => {
    receiver = await TestReceiver.start();
    endpoint = `${receiver.url}/api/v1/events`;
  });
  after(() => receiver.close());
  beforeEach(() => {
    receiver.reset(accepted);
    wallClock = time + 60_000;
  });

  it('posts a v1 event with the API key header and takes 202 as delivered', async () => {
    const outcome = await datadogChannel.send(request(endpoint));
    assert.deepEqual(outcome, { ok: true, status: 202 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v1/events');
    assert.equal(req.headers['dd-api-key'], apiKey);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      title: 'API is down',
      text:
        '%%% \nanswered 503 twice\n\n**Source:** monitor/api-health (env=prod, team=core)  \n' +
        '**Topic:** ops · **Kind:** monitor.down · **Severity:** critical  \n**Time:** 2025-01-02T03:04:05.000Z\n\n' +
        '```\nstatus: 503\n```\n %%%',
      alert_type: 'error',
      priority: 'normal',
      tags: ['source:monitor/api-health', 'kind:monitor.down', 'severity:critical', 'env:prod', 'team:core'],
      aggregation_key: 'monitor:api-health',
      source_type_name: 'tocsin',
      date_happened: time / 1000,
    });
  });

  it('sends an event older than 18 hours dated now, with its own time in the text', async () => {
    wallClock = time + 17 * 3600_000;
    await datadogChannel.send(request(endpoint));
    const recent = JSON.parse(receiver.single().body);
    assert.equal(recent.date_happened, time / 1000, 'within the window: dated as it happened');
    assert.ok(!recent.text.includes('dated now'));
    receiver.reset();
    wallClock = time + 3 * 86_400_000 + 123_456;
    await datadogChannel.send(request(endpoint));
    const old = JSON.parse(receiver.single().body);
    assert.equal(old.date_happened, Math.floor(wallClock / 1000));
    assert.ok(
      old.text.includes(
        '**Time:** 2025-01-02T03:04:05.000Z (sent dated now: Datadog takes events at most 18 hours old)',
      ),
      old.text,
    );
    receiver.reset();
    wallClock = time - 3 * 3600_000;
    await datadogChannel.send(request(endpoint));
    assert.equal(
      JSON.parse(receiver.single().body).date_happened,
      Math.floor(wallClock / 1000),
      'more than 2 hours ahead: dated now',
    );
  });

  it('sends an old group dated now, with the group time in the facts', async () => {
    wallClock = time + 20 * 3600_000;
    await datadogChannel.send(groupRequest(request(endpoint), monitorChanges(3, time)));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.date_happened, wallClock / 1000);
    assert.ok(
      body.text.endsWith(
        '**Severity:** critical  \n**Time:** 2025-01-02T03:04:07.000Z ' +
          '(sent dated now: Datadog takes events at most 18 hours old)\n %%%',
      ),
      body.text,
    );
    assert.ok(body.text.includes('- **2025-01-02T03:04:05.000Z** site-0 is down'), 'each event keeps its time');
  });

  it('maps severities to alert types and resolutions to success', async () => {
    const cases: [Partial<TocsinEvent>, string, string][] = [
      [{ severity: 'error' }, 'error', 'normal'],
      [{ severity: 'warning' }, 'warning', 'normal'],
      [{ severity: 'info', kind: 'deploy.done' }, 'info', 'low'],
      [{ severity: 'ok' }, 'success', 'normal'],
      [{ severity: 'info', kind: 'monitor.up' }, 'success', 'normal'],
    ];
    for (const [event, alertType, priority] of cases) {
      receiver.reset();
      await datadogChannel.send(request(endpoint, event));
      const body = JSON.parse(receiver.single().body);
      assert.equal(body.alert_type, alertType, JSON.stringify(event));
      assert.equal(body.priority, priority, JSON.stringify(event));
    }
  });

  it("keeps title, text and aggregation key within Datadog's limits", async () => {
    const dedupKey = `k${'z'.repeat(200)}`;
    await datadogChannel.send(request(endpoint, { title: 't'.repeat(300), text: 'x'.repeat(10_000), dedupKey }));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.title.length, 100);
    assert.ok(body.text.length <= 4000, `text is ${body.text.length} characters`);
    assert.ok(body.text.startsWith('%%% \n') && body.text.endsWith('\n %%%'));
    assert.match(body.text, /\*\*Source:\*\* monitor\/api-health/, 'the facts survive a long text');
    assert.equal(body.aggregation_key.length, 100);
    assert.equal(body.aggregation_key, aggregationKey(dedupKey));
    assert.notEqual(aggregationKey(`${dedupKey}a`), aggregationKey(dedupKey));
  });

  it('posts a group as one event whose text lists every event, oldest first', async () => {
    const events = monitorChanges(3, time);
    await datadogChannel.send(groupRequest(request(endpoint), events));
    const body = JSON.parse(receiver.single().body);
    assert.equal(body.title, '2 down, 1 recovered: site-0, site-1, site-2');
    assert.equal(
      body.text,
      '%%% \n' +
        '- **2025-01-02T03:04:05.000Z** site-0 is down (monitor/site-0) — ' +
        'https://site-0.example.com/health: answered 503 <Service Unavailable>\n' +
        '- **2025-01-02T03:04:06.000Z** site-1 is down (monitor/site-1) — ' +
        'https://site-1.example.com/health: answered 503 <Service Unavailable>\n' +
        '- **2025-01-02T03:04:07.000Z** site-2 is up again (monitor/site-2) — ' +
        'https://site-2.example.com/health: answered 200 after 2m\n' +
        '\n**Topic:** ops · **Events:** 3 · **Severity:** critical\n %%%',
    );
    assert.equal(body.alert_type, 'error');
    assert.equal(body.aggregation_key, 'monitor/site-0');
    assert.equal(body.date_happened, time / 1000 + 2);
    assert.deepEqual(body.tags, [
      'kind:digest',
      'source:monitor/site-0',
      'kind:monitor.down',
      'source:monitor/site-1',
      'source:monitor/site-2',
      'kind:monitor.up',
      'severity:critical',
    ]);
  });

  it("cuts a large group's text within Datadog's limit and says how many more there were", async () => {
    const events = monitorChanges(100, time).map((e) => ({ ...e, text: `${e.text} ${'x'.repeat(150)}` }));
    await datadogChannel.send(groupRequest(request(endpoint), events));
    const body = JSON.parse(receiver.single().body);
    assert.ok(body.text.length <= 4000, `text is ${body.text.length} characters`);
    const listed = (body.text.match(/^- \*\*/gm) ?? []).length;
    assert.ok(listed > 5 && listed < 100, `${listed} events listed`);
    assert.ok(body.text.includes(`- … and ${100 - listed} more`));
    assert.ok(body.text.endsWith('**Events:** 100 · **Severity:** critical\n %%%'));
  });

  it('dead-letters 403 Forbidden and says to check the key', async () => {
    receiver.answer({
      status: 403,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errors: ['Forbidden'] }),
    });
    const outcome = await datadogChannel.send(request(endpoint));
    assert.deepEqual(outcome, {
      ok: false,
      retryable: false,
      status: 403,
      error: 'datadog answered 403: Forbidden (check the API key and that the endpoint is your Datadog site)',
      retryAfterMs: undefined,
    });
  });

  it('retries 429 with Retry-After and 500', async () => {
    receiver.answer(
      { status: 429, headers: { 'retry-after': '7' }, body: JSON.stringify({ errors: ['Too many requests'] }) },
      { status: 500, body: JSON.stringify({ errors: ['Internal Server Error'] }) },
    );
    const throttled = await datadogChannel.send(request(endpoint));
    assert.deepEqual(throttled, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'datadog answered 429: Too many requests',
      retryAfterMs: 7000,
    });
    const broken = await datadogChannel.send(request(endpoint));
    assert.deepEqual(broken, {
      ok: false,
      retryable: true,
      status: 500,
      error: 'datadog answered 500: Internal Server Error',
      retryAfterMs: undefined,
    });
  });

  it('retries when nothing listens', async () => {
    const outcome = await datadogChannel.send(request(`${await refusedUrl()}/api/v1/events`));
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('keys the rate budget by endpoint and a hash of the API key, never the key', () => {
    const key = datadogChannel.destinationKey({ apiKey, endpoint });
    assert.match(key, new RegExp(`^${endpoint}#[0-9a-f]{12}$`));
    assert.ok(!key.includes(apiKey));
    assert.ok(datadogChannel.destinationKey({ apiKey }).startsWith(`${DATADOG_ENDPOINT}#`));
  });
});
