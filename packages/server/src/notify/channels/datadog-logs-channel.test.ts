import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { datadogLogsChannel, datadogLogsUrl } from './datadog-logs-channel.js';
import { type RecordedRequest, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);
const apiKey = 'dd0123456789abcdef0123456789abcd';

function logMatch(samples: Record<string, unknown>[], extra: Partial<TocsinEvent> = {}): TocsinEvent {
  return {
    id: 'e-1',
    topic: 'errors',
    time,
    kind: 'log.match',
    severity: 'error',
    source: { type: 'log_rule', name: 'timeouts', tags: {} },
    title: 'Timeouts in checkout',
    text: '',
    attributes: { rule: 'timeouts', group: 'lambda', source: 'checkout', count: samples.length, samples },
    dedupKey: 'timeouts:checkout',
    ...extra,
  };
}

function request(endpoint: string, event: TocsinEvent, spec: Record<string, unknown> = {}): SendRequest {
  return {
    deliveryId: 'd-1',
    purpose: 'event',
    attempt: 1,
    event,
    spec: { protocol: 'datadog_logs', apiKey, endpoint, ddsource: 'tocsin', ...spec },
    subscriptionName: 'dd-logs',
    links: { unsubscribe: '' },
    timeoutMs: 5000,
    origin: 'node-a',
  };
}

/** The entries of a request: its body gunzipped and parsed. */
function entries(r: RecordedRequest): Record<string, unknown>[] {
  assert.equal(r.headers['content-encoding'], 'gzip');
  return JSON.parse(gunzipSync(r.raw).toString('utf8'));
}

describe('datadog logs channel', { timeout: 20_000 }, () => {
  let receiver: TestReceiver;

  before(async () => {
    receiver = await TestReceiver.start({ status: 202, body: '{}' });
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 202, body: '{}' }));

  it('posts a log match’s sample lines as gzipped entries to /api/v2/logs with the key and the origin', async () => {
    const samples = [
      { time: time - 2000, message: 'Task timed out after 3.00 seconds', level: 'ERROR', source: 'checkout' },
      { time: new Date(time - 1000).toISOString(), message: 'timeout again', level: 17, requestId: 'r-2' },
    ];
    const outcome = await datadogLogsChannel.send(request(receiver.url, logMatch(samples), { tags: { team: 'pay' } }));
    assert.deepEqual(outcome, { ok: true, status: 202 });
    const r = receiver.single();
    assert.equal(r.path, '/api/v2/logs');
    assert.equal(r.headers['dd-api-key'], apiKey);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-tocsin-origin'], 'node-a');
    const [first, second] = entries(r);
    assert.deepEqual(
      { ...first },
      {
        rule: 'timeouts',
        topic: 'errors',
        message: 'Task timed out after 3.00 seconds',
        ddsource: 'tocsin',
        ddtags: 'team:pay,group:lambda,rule:timeouts,topic:errors',
        hostname: 'node-a',
        service: 'checkout',
        status: 'error',
        timestamp: time - 2000,
        group: 'lambda',
        'tocsin.origin': 'node-a',
      },
    );
    assert.equal(second.timestamp, time - 1000);
    assert.equal(second.status, 'error', 'severity number 17 is ERROR');
    assert.equal(second.requestId, 'r-2', 'the sample’s other fields are attributes');
    assert.equal(second.service, 'checkout', 'the event’s source when the sample names none');
  });

  it('sends any other event as one entry with its facts', async () => {
    const event: TocsinEvent = {
      id: 'e-2',
      topic: 'ops',
      time,
      kind: 'monitor.down',
      severity: 'critical',
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      title: 'API is down',
      text: 'answered 503',
      attributes: { status: 503, message: 'not the message' },
      dedupKey: 'monitor:api-health',
    };
    await datadogLogsChannel.send(request(receiver.url, event, { hostname: 'tocsin-1', service: 'tocsin' }));
    const [entry] = entries(receiver.single());
    assert.equal(entry.message, 'API is down\nanswered 503', 'the reserved fields win over attributes');
    assert.equal(entry.status, 'critical');
    assert.equal(entry.service, 'api-health');
    assert.equal(entry.hostname, 'tocsin-1');
    assert.equal(entry.kind, 'monitor.down');
    assert.equal(entry['tocsin.origin'], 'node-a');
  });

  it('sends at most 1,000 entries a request', async () => {
    const samples = Array.from({ length: 2500 }, (_, i) => ({ time: time + i, message: `line ${i}`, level: 'info' }));
    const outcome = await datadogLogsChannel.send(request(receiver.url, logMatch(samples)));
    assert.equal(outcome.ok, true);
    const sizes = receiver.requests.map((r) => entries(r).length);
    assert.deepEqual(sizes, [1000, 1000, 500]);
    const messages = receiver.requests.flatMap((r) => entries(r).map((e) => e.message));
    assert.deepEqual(
      messages,
      samples.map((s) => s.message),
      'every line once, in order',
    );
  });

  it('keeps each request under 5 MB of uncompressed entries', async () => {
    const big = 'x'.repeat(900_000);
    const samples = Array.from({ length: 12 }, (_, i) => ({ time: time + i, message: `${i} ${big}` }));
    await datadogLogsChannel.send(request(receiver.url, logMatch(samples)));
    assert.equal(receiver.requests.length, 3);
    for (const r of receiver.requests) assert.ok(gunzipSync(r.raw).length <= 5_000_000);
    assert.equal(
      receiver.requests.reduce((n, r) => n + entries(r).length, 0),
      12,
    );
  });

  it('retries 429 with Retry-After and 500, then delivers; a 4xx is dead', async () => {
    const req = request(receiver.url, logMatch([{ message: 'one' }]));
    receiver.answer(
      { status: 429, headers: { 'retry-after': '3' }, body: '{"errors":["Too many requests"]}' },
      { status: 500, body: 'oops' },
    );
    const first = await datadogLogsChannel.send(req);
    assert.deepEqual(first, {
      ok: false,
      retryable: true,
      status: 429,
      error: 'datadog answered 429: Too many requests',
      retryAfterMs: 3000,
    });
    const second = await datadogLogsChannel.send(req);
    assert.equal(second.ok, false);
    assert.equal(!second.ok && second.retryable, true);
    assert.deepEqual(await datadogLogsChannel.send(req), { ok: true, status: 202 });
    receiver.answer({ status: 403, body: '{"errors":["Forbidden"]}' });
    const dead = await datadogLogsChannel.send(req);
    assert.equal(dead.ok, false);
    assert.equal(!dead.ok && dead.retryable, false);
    assert.match(!dead.ok ? dead.error : '', /403: Forbidden \(check the API key/);
  });

  it('says which batch failed', async () => {
    const samples = Array.from({ length: 1500 }, (_, i) => ({ message: `line ${i}` }));
    receiver.answer({ status: 202 }, { status: 400, body: '{"errors":["Bad request"]}' });
    const outcome = await datadogLogsChannel.send(request(receiver.url, logMatch(samples)));
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.error, 'batch 2 of 2: datadog answered 400: Bad request');
  });

  it('takes the site intake as the endpoint, and keeps the API key secret', () => {
    assert.equal(
      datadogLogsUrl({ endpoint: 'https://http-intake.logs.datadoghq.eu/' }),
      'https://http-intake.logs.datadoghq.eu/api/v2/logs',
    );
    assert.equal(datadogLogsUrl({}), 'https://http-intake.logs.datadoghq.com/api/v2/logs');
    const spec = subscriptionInputSchema.parse({ protocol: 'datadog_logs', apiKey: '${DD_API_KEY}' });
    assert.equal(spec.protocol === 'datadog_logs' && spec.ddsource, 'tocsin');
    assert.ok(!datadogLogsChannel.destinationKey({ apiKey }).includes(apiKey));
  });
});
