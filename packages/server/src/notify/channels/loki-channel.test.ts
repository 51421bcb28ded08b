import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { lokiChannel, lokiPushUrl } from './loki-channel.js';
import { lokiPushDecoder } from '../../logs/decoders/loki-push-decoder.js';
import { isMarked } from '../../logs/log-pipeline.js';
import { type RecordedRequest, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2026, 0, 2, 3, 4, 5);

interface PushBody {
  streams: { stream: Record<string, string>; values: [string, string, Record<string, string>?][] }[];
}

function logMatch(samples: Record<string, unknown>[]): TocsinEvent {
  return {
    id: 'e-1',
    topic: 'errors',
    time,
    kind: 'log.match',
    severity: 'error',
    source: { type: 'log_rule', name: 'errors', tags: {} },
    title: 'Errors',
    text: '',
    attributes: { rule: 'errors', group: 'api', count: samples.length, samples },
    dedupKey: 'errors',
  };
}

function request(endpoint: string, event: TocsinEvent, spec: Record<string, unknown> = {}): SendRequest {
  return {
    deliveryId: 'd-1',
    purpose: 'event',
    attempt: 1,
    event,
    spec: { protocol: 'loki', endpoint, gzip: true, labels: { env: 'prod' }, ...spec },
    subscriptionName: 'loki',
    links: { unsubscribe: '' },
    timeoutMs: 5000,
    origin: 'node-a',
  };
}

function body(r: RecordedRequest): PushBody {
  const text = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.raw).toString('utf8') : r.body;
  return JSON.parse(text);
}

describe('loki channel', { timeout: 20_000 }, () => {
  let receiver: TestReceiver;

  before(async () => {
    receiver = await TestReceiver.start({ status: 204 });
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 204 }));

  it('pushes lines as streams keyed by the fixed labels, group, source, level and the origin', async () => {
    const samples = [
      { time: time + 2, message: 'db timeout', level: 'error', source: 'orders' },
      { time: time + 1, message: 'pool exhausted', level: 'error', source: 'orders' },
      { time: time + 3, message: 'slow query', level: 'warn', source: 'orders' },
    ];
    const outcome = await lokiChannel.send(request(receiver.url, logMatch(samples), { tenant: 'team-a' }));
    assert.deepEqual(outcome, { ok: true, status: 204 });
    const r = receiver.single();
    assert.equal(r.path, '/loki/api/v1/push');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-scope-orgid'], 'team-a');
    assert.equal(r.headers['x-tocsin-origin'], 'node-a');
    assert.equal(r.headers.authorization, undefined);
    const { streams } = body(r);
    assert.equal(streams.length, 2);
    const errors = streams.find((s) => s.stream.level === 'error');
    assert.deepEqual(errors?.stream, {
      env: 'prod',
      group: 'api',
      source: 'orders',
      level: 'error',
      tocsin_origin: 'node-a',
    });
    assert.deepEqual(
      errors?.values,
      [
        [`${time + 1}000000`, 'pool exhausted'],
        [`${time + 2}000000`, 'db timeout'],
      ],
      'in time order within the stream',
    );
  });

  it('sends basic auth or a bearer token, plain JSON without gzip, structured metadata when asked', async () => {
    const event = logMatch([{ time, message: 'x', level: 'info', requestId: 'r-1', latency: 12 }]);
    await lokiChannel.send(request(receiver.url, event, { username: '1234', password: 's3cret', gzip: false }));
    await lokiChannel.send(request(receiver.url, event, { bearerToken: 'tok', structuredMetadata: true }));
    const [basic, bearer] = receiver.requests;
    assert.equal(basic.headers.authorization, `Basic ${Buffer.from('1234:s3cret').toString('base64')}`);
    assert.equal(basic.headers['content-encoding'], undefined);
    assert.deepEqual(body(basic).streams[0].values[0], [`${time}000000`, 'x']);
    assert.equal(bearer.headers.authorization, 'Bearer tok');
    assert.deepEqual(body(bearer).streams[0].values[0][2], {
      requestId: 'r-1',
      latency: '12',
      rule: 'errors',
      topic: 'errors',
    });
  });

  it('batches at most 1,000 entries a request', async () => {
    const samples = Array.from({ length: 2001 }, (_, i) => ({ time: time + i, message: `line ${i}`, level: 'info' }));
    assert.equal((await lokiChannel.send(request(receiver.url, logMatch(samples)))).ok, true);
    const counts = receiver.requests.map((r) => body(r).streams.reduce((n, s) => n + s.values.length, 0));
    assert.deepEqual(counts, [1000, 1000, 1]);
  });

  it('keeps each request under 5 MB of uncompressed body', async () => {
    const big = 'y'.repeat(1_200_000);
    const samples = Array.from({ length: 9 }, (_, i) => ({ time: time + i, message: `${i}${big}` }));
    await lokiChannel.send(request(receiver.url, logMatch(samples)));
    assert.equal(receiver.requests.length, 3);
    for (const r of receiver.requests) assert.ok(gunzipSync(r.raw).length <= 5_000_000);
  });

  it('retries 429 and 500, then delivers; a 400 is dead with Loki’s reason', async () => {
    const req = request(receiver.url, logMatch([{ message: 'one' }]));
    receiver.answer(
      { status: 429, headers: { 'retry-after': '2' }, body: 'ingestion rate limit exceeded' },
      { status: 500 },
    );
    assert.deepEqual(await lokiChannel.send(req), {
      ok: false,
      retryable: true,
      status: 429,
      error: 'loki answered 429: ingestion rate limit exceeded',
      retryAfterMs: 2000,
    });
    const second = await lokiChannel.send(req);
    assert.equal(!second.ok && second.retryable, true);
    assert.deepEqual(await lokiChannel.send(req), { ok: true, status: 204 });
    receiver.answer({ status: 400, body: 'entry too far behind' });
    const dead = await lokiChannel.send(req);
    assert.equal(!dead.ok && dead.retryable, false);
    assert.equal(!dead.ok && dead.error, 'loki answered 400: entry too far behind');
  });

  it('pushes what Tocsin’s own Loki decoder reads back as marked (a loop)', async () => {
    await lokiChannel.send(
      request(receiver.url, logMatch([{ time, message: 'boom', level: 'error' }]), { gzip: false }),
    );
    const decoded = lokiPushDecoder.decode(
      receiver.single().body,
      { 'content-type': 'application/json' },
      { now: time },
    );
    assert.equal(decoded.events.length, 1);
    assert.equal(decoded.events[0].resource['tocsin.origin'], 'node-a');
    assert.ok(isMarked(decoded.events[0]));
  });

  it('takes a base URL or the push URL, and refuses mixed auth', () => {
    assert.equal(lokiPushUrl({ endpoint: 'http://loki:3100/' }), 'http://loki:3100/loki/api/v1/push');
    assert.equal(lokiPushUrl({ endpoint: 'http://loki:3100/loki/api/v1/push' }), 'http://loki:3100/loki/api/v1/push');
    const mixed = subscriptionInputSchema.safeParse({
      protocol: 'loki',
      endpoint: 'http://loki:3100',
      bearerToken: 't',
      username: 'u',
      password: 'p',
    });
    assert.equal(mixed.success, false);
    assert.deepEqual(mixed.error?.issues[0].path, ['bearerToken']);
    const half = subscriptionInputSchema.safeParse({ protocol: 'loki', endpoint: 'http://loki:3100', username: 'u' });
    assert.deepEqual(half.error?.issues[0].path, ['password']);
    const badLabel = subscriptionInputSchema.safeParse({
      protocol: 'loki',
      endpoint: 'http://l',
      labels: { 'a-b': 'x' },
    });
    assert.equal(badLabel.success, false);
  });
});
