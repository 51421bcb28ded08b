import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { type IngestHarness, startIngestHarness } from '../../test-support/log-ingest-harness.js';
import { encodeLokiPushRequest } from '../decoders/loki-push-proto.js';
import { decodeExportLogsResponse } from '../decoders/otlp-logs-proto.js';

/** A snappy block of literals only: valid, as a client that does not bother to compress would send. */
function snappyLiterals(src: Uint8Array): Buffer {
  const out: number[] = [];
  let n = src.length;
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const parts = [Buffer.from(out)];
  for (let i = 0; i < src.length; i += 65536) {
    const chunk = src.subarray(i, i + 65536);
    parts.push(Buffer.from([61 << 2, (chunk.length - 1) & 0xff, (chunk.length - 1) >> 8]), Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

const ns = (ms: number) => `${ms}000000`;

describe('log ingest routes', () => {
  let h: IngestHarness;
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}, token?: string) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token ?? h.tokens.ingest}`, ...headers },
      body,
    });
  const ndjson = { 'content-type': 'application/x-ndjson' };

  before(async () => {
    h = await startIngestHarness({ maxBodyBytes: 64 * 1024, maxInflatedBytes: 256 * 1024 });
  });
  after(() => h.close());
  beforeEach(() => {
    h.appender.events.length = 0;
    h.groups.length = 0;
    for (const k of Object.keys(h.counters.droppedBy)) delete h.counters.droppedBy[k as 'loop'];
  });

  describe('POST /api/logs', () => {
    it('takes NDJSON, lists the bad lines with their number and counts them invalid', async () => {
      const body = [
        JSON.stringify({ message: 'GET /a 200', level: 'info', source: 'api', time: 1_700_000_000_000 }),
        '{"message": 5}',
        '',
        'not json',
        JSON.stringify({ message: 'boom', level: 'ERROR', group: 'payments', attributes: { order: { id: 1 } } }),
      ].join('\n');
      const res = await post('/api/logs', body, { ...ndjson, 'x-tocsin-log-group': 'web' });
      assert.equal(res.status, 200);
      const answer = (await res.json()) as { accepted: number; rejected: { line: number }[]; dropped: object };
      assert.equal(answer.accepted, 2);
      assert.deepEqual(
        answer.rejected.map((r) => r.line),
        [2, 4],
      );
      assert.deepEqual(answer.dropped, { invalid: 2 });
      assert.deepEqual(
        h.appender.events.map((e) => [e.group, e.level, e.message]),
        [
          ['web', 9, 'GET /a 200'],
          ['payments', 17, 'boom'],
        ],
      );
      assert.equal(h.counters.droppedBy.invalid, 2);
    });

    it('takes a gzipped JSON array; events that name no group go to default', async () => {
      const body = gzipSync(JSON.stringify([{ message: 'one' }, { message: 'two', stage: 'prod' }]));
      const res = await post('/api/logs', body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      assert.equal(res.status, 200);
      assert.deepEqual(
        h.appender.events.map((e) => e.group),
        ['default', 'default'],
      );
      assert.equal(h.appender.events[0].time, h.clock.now());
    });

    it('routes events without a group by the log groups’ match, explicit groups stay', async () => {
      h.groups.push({ name: 'checkout', retentionDays: 7, match: { sources: ['checkout'] } });
      const body = [
        JSON.stringify({ message: 'a', source: 'checkout' }),
        JSON.stringify({ message: 'b', source: 'checkout', group: 'mine' }),
        JSON.stringify({ message: 'c', source: 'other' }),
      ].join('\n');
      assert.equal((await post('/api/logs', body, ndjson)).status, 200);
      assert.deepEqual(
        h.appender.events.map((e) => e.group),
        ['checkout', 'mine', 'default'],
      );
    });

    it('refuses a body that is not the format, storing nothing', async () => {
      const res = await post('/api/logs', '[{"message":"a"},', { 'content-type': 'application/json' });
      assert.equal(res.status, 400);
      assert.match(
        ((await res.json()) as { error: { message: string } }).error.message,
        /JSON array that does not parse/,
      );
      const media = await post('/api/logs', 'x', { 'content-type': 'image/png' });
      assert.equal(media.status, 415);
      assert.match(await media.text(), /application\/x-ndjson/);
      const gz = await post('/api/logs', 'not gzip', { ...ndjson, 'content-encoding': 'gzip' });
      assert.equal(gz.status, 400);
      assert.equal(h.appender.events.length, 0);
    });

    it('drops events carrying Tocsin’s origin mark as loops', async () => {
      const body = [
        JSON.stringify({ message: 'came back', attributes: { 'tocsin.origin': 'node-1' } }),
        JSON.stringify({ message: 'fresh' }),
      ].join('\n');
      const answer = (await (await post('/api/logs', body, ndjson)).json()) as { accepted: number; dropped: object };
      assert.deepEqual(answer, { accepted: 1, rejected: [], dropped: { loop: 1 } });
      assert.equal(h.counters.droppedBy.loop, 1);
    });

    it('drops a request Tocsin sent itself (the X-Tocsin-Origin header) as loops', async () => {
      const res = await post('/api/logs', '{"message":"a"}\n{"message":"b"}', {
        ...ndjson,
        'x-tocsin-origin': 'node-1',
      });
      assert.deepEqual(await res.json(), { accepted: 0, rejected: [], dropped: { loop: 2 } });
      assert.equal(h.appender.events.length, 0);
    });

    it('needs a token with the ingest scope, as a bearer or as the basic auth password', async () => {
      const none = await fetch(`${h.url}/api/logs`, { method: 'POST', headers: ndjson, body: '{"message":"x"}' });
      assert.equal(none.status, 401);
      assert.equal((await post('/api/logs', '{"message":"x"}', ndjson, h.tokens.read)).status, 403);
      const basic = Buffer.from(`promtail:${h.tokens.ingest}`).toString('base64');
      const res = await fetch(`${h.url}/api/logs`, {
        method: 'POST',
        headers: { ...ndjson, authorization: `Basic ${basic}` },
        body: '{"message":"x"}',
      });
      assert.equal(res.status, 200);
      const wrong = Buffer.from('promtail:nope').toString('base64');
      const bad = await fetch(`${h.url}/api/logs`, {
        method: 'POST',
        headers: { ...ndjson, authorization: `Basic ${wrong}` },
        body: '{"message":"x"}',
      });
      assert.equal(bad.status, 401);
    });

    it('answers 413 over the body cap and over the inflated cap, counted too_large', async () => {
      const big = `${JSON.stringify({ message: 'x'.repeat(70 * 1024) })}\n`;
      const res = await post('/api/logs', big, ndjson);
      assert.equal(res.status, 413);
      const bomb = gzipSync(Buffer.from(`${JSON.stringify({ message: 'y' })}\n`.repeat(20_000)));
      assert.ok(bomb.length < 64 * 1024);
      const inflated = await post('/api/logs', bomb, { ...ndjson, 'content-encoding': 'gzip' });
      assert.equal(inflated.status, 413);
      assert.match(await inflated.text(), /inflates to more than/);
      assert.equal(h.counters.droppedBy.too_large, 2);
      assert.equal(h.appender.events.length, 0);
    });

    it('passes the write queue’s 503 with Retry-After through, counted backpressure', async () => {
      h.appender.refuse = 1;
      const res = await post('/api/logs', '{"message":"a"}\n{"message":"b"}', ndjson);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '2');
      assert.equal(h.counters.droppedBy.backpressure, 2);
      assert.equal(h.appender.events.length, 0);
    });
  });

  describe('POST /v1/logs (OTLP/HTTP)', () => {
    const exporters: [string, (url: string) => LogRecordExporter][] = [
      ['JSON', (url) => new JsonExporter({ url, compression: CompressionAlgorithm.GZIP, headers: auth() })],
      ['protobuf', (url) => new ProtoExporter({ url, compression: CompressionAlgorithm.NONE, headers: auth() })],
    ];
    const auth = () => ({ authorization: `Bearer ${h.tokens.ingest}` });
    for (const [encoding, make] of exporters) {
      it(`stores what the OpenTelemetry SDK exports (${encoding}), grouped by service.name`, async () => {
        const provider = new LoggerProvider({
          resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment.name': 'prod' }),
          processors: [new BatchLogRecordProcessor({ exporter: make(`${h.url}/v1/logs`) })],
        });
        const logger = provider.getLogger('app');
        logger.emit({ severityNumber: 17, severityText: 'ERROR', body: 'payment failed', attributes: { code: 502 } });
        logger.emit({ severityNumber: 9, body: 'ok' });
        await provider.forceFlush();
        await provider.shutdown();
        assert.deepEqual(
          h.appender.events.map((e) => [e.group, e.source, e.stage, e.levelText, e.message]),
          [
            ['checkout', 'checkout', 'prod', 'ERROR', 'payment failed'],
            ['checkout', 'checkout', 'prod', 'INFO', 'ok'],
          ],
        );
      });
    }

    it('answers partial success in JSON and in protobuf', async () => {
      const request = {
        resourceLogs: [
          { scopeLogs: [{ logRecords: [{ body: { stringValue: 'fine' } }, { traceId: 'xyz', body: {} }] }] },
        ],
      };
      const res = await post('/v1/logs', JSON.stringify(request), { 'content-type': 'application/json' });
      assert.equal(res.status, 200);
      const json = (await res.json()) as { partialSuccess: { rejectedLogRecords: number; errorMessage: string } };
      assert.equal(json.partialSuccess.rejectedLogRecords, 1);
      assert.match(json.partialSuccess.errorMessage, /traceId/);
      const empty = await post('/v1/logs', '{}', { 'content-type': 'application/json' });
      assert.deepEqual(await empty.json(), {});
      const proto = await post('/v1/logs', new Uint8Array(0), { 'content-type': 'application/x-protobuf' });
      assert.equal(proto.status, 200);
      assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
      assert.deepEqual(decodeExportLogsResponse(new Uint8Array(await proto.arrayBuffer())).partialSuccess, undefined);
    });

    it('refuses bodies that are not OTLP, as google.rpc.Status, storing nothing', async () => {
      const res = await post('/v1/logs', '{"resourceLogs": 3}', { 'content-type': 'application/json' });
      assert.equal(res.status, 400);
      const status = (await res.json()) as { code: number; message: string };
      assert.equal(status.code, 3);
      assert.match(status.message, /resourceLogs is not an array/);
      const proto = await post('/v1/logs', Buffer.from([0xff, 0xff, 0xff]), {
        'content-type': 'application/x-protobuf',
      });
      assert.equal(proto.status, 400);
      assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
      assert.equal((await post('/v1/logs', 'x', { 'content-type': 'text/plain' })).status, 415);
      assert.equal(h.appender.events.length, 0);
    });
  });

  describe('POST /loki/api/v1/push', () => {
    const t = Date.UTC(2026, 11, 2, 11);

    it('takes a Promtail-shaped JSON push, gzipped too, and answers 204', async () => {
      const body = JSON.stringify({
        streams: [
          {
            stream: { job: 'varlogs', host: 'web-1', level: 'warn' },
            values: [
              [ns(t), 'disk almost full'],
              [ns(t + 1), 'still full', { trace_id: '5b8efff798038103d269b633813fc60c' }],
            ],
          },
        ],
      });
      const res = await post('/loki/api/v1/push', body, { 'content-type': 'application/json' });
      assert.equal(res.status, 204);
      const gz = await post('/loki/api/v1/push', gzipSync(body), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      assert.equal(gz.status, 204);
      assert.equal(h.appender.events.length, 4);
      assert.deepEqual(
        [h.appender.events[0].group, h.appender.events[0].level, h.appender.events[1].traceId],
        ['varlogs', 13, '5b8efff798038103d269b633813fc60c'],
      );
    });

    it('takes Vector’s Loki sink JSON (service_name label) with the group header over it', async () => {
      const body = JSON.stringify({
        streams: [{ stream: { service_name: 'api', env: 'prod' }, values: [[ns(t), '{"msg":"hi"}']] }],
      });
      const res = await post('/loki/api/v1/push', body, {
        'content-type': 'application/json',
        'x-tocsin-log-group': 'edge',
      });
      assert.equal(res.status, 204);
      assert.deepEqual(
        h.appender.events.map((e) => [e.group, e.source, e.stage]),
        [['edge', 'api', 'prod']],
      );
    });

    it('takes protobuf with snappy, as Promtail and Alloy send it (basic auth), routed by label', async () => {
      h.groups.push({ name: 'infra', retentionDays: 30, match: { labels: { cluster: 'eu-1' } } });
      const raw = encodeLokiPushRequest({
        streams: [
          {
            labels: '{job="node", cluster="eu-1"}',
            entries: [{ timestamp: { seconds: String(t / 1000), nanos: 5_000_000 }, line: 'kernel: oom' }],
          },
        ],
      });
      const basic = Buffer.from(`12345:${h.tokens.ingest}`).toString('base64');
      const res = await fetch(`${h.url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Basic ${basic}` },
        body: snappyLiterals(raw),
      });
      assert.equal(res.status, 204);
      assert.deepEqual(
        h.appender.events.map((e) => [e.group, e.time, e.message]),
        [['infra', t + 5, 'kernel: oom']],
      );
    });

    it('takes Fluent Bit’s loki output (job=fluent-bit); lines labelled tocsin_origin are loops', async () => {
      const body = JSON.stringify({
        streams: [
          { stream: { job: 'fluent-bit' }, values: [[ns(t), '{"log":"GET / 200","stream":"stdout"}']] },
          { stream: { job: 'forwarded', tocsin_origin: 'node-1' }, values: [[ns(t), 'came back']] },
        ],
      });
      const res = await post('/loki/api/v1/push', body, { 'content-type': 'application/json' });
      assert.equal(res.status, 204);
      assert.deepEqual(
        h.appender.events.map((e) => [e.group, e.message]),
        [['fluent-bit', '{"log":"GET / 200","stream":"stdout"}']],
      );
      assert.equal(h.counters.droppedBy.loop, 1);
    });

    it('answers errors as Loki does: 400 with a plain text reason, bad entries named, good ones kept', async () => {
      const bad = await post('/loki/api/v1/push', '{"streams": 1}', { 'content-type': 'application/json' });
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(await bad.text(), /no "streams" array/);
      const proto = await post('/loki/api/v1/push', Buffer.from('not snappy'), {
        'content-type': 'application/x-protobuf',
      });
      assert.equal(proto.status, 400);
      assert.match(await proto.text(), /snappy/);
      assert.equal(h.appender.events.length, 0);
      const partly = JSON.stringify({
        streams: [
          {
            stream: { job: 'a' },
            values: [
              [ns(t), 'ok'],
              ['soon', 'bad'],
            ],
          },
        ],
      });
      const res = await post('/loki/api/v1/push', partly, { 'content-type': 'application/json' });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /1 of 2 entries rejected: timestamp/);
      assert.equal(h.appender.events.length, 1);
      const unauthorized = await fetch(`${h.url}/loki/api/v1/push`, { method: 'POST', body: '{}' });
      assert.equal(unauthorized.status, 401);
      assert.match(await unauthorized.text(), /API token/);
    });
  });
});

describe('log ingest rate limit', () => {
  let h: IngestHarness;
  before(async () => {
    h = await startIngestHarness({ rateLimit: { perSecond: 10, burst: 20 } });
  });
  after(() => h.close());

  it('answers 429 with Retry-After over the token’s rate, counted rate_limited', async () => {
    const lines = Array.from({ length: 15 }, (_, i) => JSON.stringify({ message: `l${i}` })).join('\n');
    const send = () =>
      fetch(`${h.url}/api/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.ingest}`, 'content-type': 'application/x-ndjson' },
        body: lines,
      });
    assert.equal((await send()).status, 200);
    const limited = await send();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(h.counters.droppedBy.rate_limited, 15);
    h.clock.advance(1000);
    assert.equal((await send()).status, 200);
    assert.equal(h.appender.events.length, 30);
  });
});
