import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { TocsinError } from '../../core/errors.js';
import {
  encodeExportLogsRequest,
  type OtlpAnyValue,
  type OtlpLogRecord,
  type OtlpLogsRequest,
} from './otlp-logs-proto.js';
import { otlpLogsDecoder, partialSuccessOf } from './otlp-logs-decoder.js';

const NOW = 1_767_225_600_000;
const ns = (ms: number) => `${ms}000000`;
const json = { 'content-type': 'application/json' };
const proto = { 'content-type': 'application/x-protobuf' };
const decode = (body: OtlpLogsRequest | Buffer | string, headers: Record<string, string> = json) =>
  otlpLogsDecoder.decode(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers, {
    now: NOW,
  });

function request(records: OtlpLogRecord[], resource = [{ key: 'service.name', value: { stringValue: 'pay' } }]) {
  return { resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ logRecords: records }] }] };
}

describe('OTLP logs decoder', () => {
  it('maps a record field by field', () => {
    const r = decode(
      request(
        [
          {
            timeUnixNano: ns(NOW - 1000),
            observedTimeUnixNano: ns(NOW - 500),
            severityNumber: 'SEVERITY_NUMBER_WARN',
            severityText: 'Warning',
            body: { stringValue: 'slow query' },
            attributes: [
              { key: 'db.ms', value: { intValue: '812' } },
              { key: 'big', value: { intValue: '9007199254740993' } },
              { key: 'ratio', value: { doubleValue: 'NaN' } },
              { key: 'raw', value: { bytesValue: 'AQID' } },
              { key: 'empty', value: {} },
            ],
            traceId: '5B8EFFF798038103D269B633813FC60C',
            spanId: '0000000000000000',
          },
          { body: { intValue: 7 } },
        ],
        [
          { key: 'service.name', value: { stringValue: 'pay' } },
          { key: 'host.name', value: { stringValue: 'web-1' } },
          { key: 'deployment.environment', value: { stringValue: 'staging' } },
        ],
      ),
    );
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(r.events[0], {
      time: NOW - 1000,
      observedTime: NOW - 500,
      group: 'pay',
      stream: 'web-1',
      source: 'pay',
      stage: 'staging',
      level: 13,
      levelText: 'Warning',
      message: 'slow query',
      attributes: { 'db.ms': 812, big: '9007199254740993', ratio: 'NaN', raw: 'AQID', empty: null },
      traceId: '5b8efff798038103d269b633813fc60c',
      resource: { 'service.name': 'pay', 'host.name': 'web-1', 'deployment.environment': 'staging' },
    });
    assert.deepEqual(
      [r.events[1].time, r.events[1].observedTime, r.events[1].message, r.events[1].level, r.events[1].levelText],
      [NOW, NOW, '7', 0, ''],
      'no times: now; no severity: unspecified',
    );
  });

  it('takes the level from the text when the number is unspecified, and the group from the header', () => {
    const r = decode(request([{ severityText: 'error', body: { stringValue: 'x' } }], []), {
      ...json,
      'x-tocsin-log-group': 'edge',
    });
    assert.deepEqual([r.events[0].level, r.events[0].group, r.events[0].source], [17, 'edge', undefined]);
    assert.equal(decode(request([{}], [])).events[0].group, 'default', 'no service.name, no header');
  });

  it('rejects bad records by their index across the request, with partial-success numbers', () => {
    let deep: OtlpAnyValue = { stringValue: 'leaf' };
    for (let i = 0; i < 9; i++) deep = { kvlistValue: { values: [{ key: 'd', value: deep }] } };
    const body = {
      resourceLogs: [
        request([{ body: { stringValue: 'ok' } }, { traceId: 'abc' }]).resourceLogs[0],
        request([{ body: { stringValue: 'x'.repeat(262_145) } }, { attributes: [{ key: 'deep', value: deep }] }])
          .resourceLogs[0],
        request([{ spanId: 'eee19b7ec3c1b174', body: { stringValue: 'kept' } }]).resourceLogs[0],
      ],
    } as OtlpLogsRequest;
    const r = decode(body);
    assert.deepEqual(
      r.events.map((e) => [e.message, e.spanId]),
      [
        ['ok', undefined],
        ['kept', 'eee19b7ec3c1b174'],
      ],
    );
    assert.deepEqual(
      r.rejected.map((x) => x.index),
      [1, 2, 3],
    );
    assert.match(r.rejected[0].reason, /^traceId: /);
    assert.match(r.rejected[1].reason, /messageBytes/);
    assert.match(r.rejected[2].reason, /attributeDepth/);
    const partial = partialSuccessOf(r);
    assert.equal(partial?.rejectedLogRecords, 3);
    assert.match(partial?.errorMessage ?? '', /traceId.*; message.*; attributes/);
    assert.equal(partialSuccessOf(decode(request([{}]))), undefined);
  });

  it('refuses bodies that are not a request, in either encoding', () => {
    const bad = (body: string | Buffer, headers = json) =>
      assert.throws(
        () => decode(body, headers),
        (err: unknown) => err instanceof TocsinError && err.code === 'bad_request' && /OTLP logs/.test(err.message),
      );
    bad('{"resourceLogs": ');
    bad('[1]');
    bad('{"resourceLogs": {}}');
    bad(Buffer.from([0x0a, 0x05, 0x01]), proto);
    assert.deepEqual(decode('{}'), { events: [], rejected: [] });
  });

  it('decodes protobuf as it decodes JSON', () => {
    const body = request([
      {
        timeUnixNano: ns(NOW),
        severityNumber: 9,
        body: { kvlistValue: { values: [{ key: 'user', value: { intValue: '7' } }] } },
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
      },
    ]);
    const fromProto = decode(Buffer.from(encodeExportLogsRequest(body)), proto);
    assert.deepEqual(fromProto, decode(body));
    assert.equal(fromProto.events[0].message, '{"user":7}');
  });
});

describe('OTLP logs from the OpenTelemetry JS exporters', () => {
  const captured: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const isProto = req.headers['content-type'] === 'application/x-protobuf';
      res.writeHead(200, { 'content-type': isProto ? 'application/x-protobuf' : 'application/json' });
      res.end(isProto ? '' : '{}');
    });
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const exporters: [string, () => LogRecordExporter][] = [
    ['JSON', () => new JsonExporter({ url, compression: CompressionAlgorithm.NONE })],
    ['protobuf', () => new ProtoExporter({ url, compression: CompressionAlgorithm.NONE })],
  ];
  for (const [encoding, make] of exporters) {
    it(`maps what the SDK sends (${encoding})`, async () => {
      captured.length = 0;
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({
          'service.name': 'checkout',
          'service.instance.id': 'i-1',
          'deployment.environment.name': 'prod',
        }),
        processors: [new BatchLogRecordProcessor({ exporter: make() })],
      });
      const logger = provider.getLogger('app', '1.2.0');
      const span = trace.wrapSpanContext({
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        traceFlags: TraceFlags.SAMPLED,
      });
      const sentAfter = Date.now();
      logger.emit({
        timestamp: new Date(NOW - 3000),
        severityNumber: 17, // SeverityNumber.ERROR
        severityText: 'ERROR',
        body: 'payment failed',
        attributes: { 'http.status': 502, retry: true, tags: ['a', 'b'], order: { id: 'o-9', total: 12.5 } },
        context: trace.setSpan(context.active(), span),
      });
      logger.emit({ body: { event: 'login', user: 7 }, eventName: 'user.login', severityNumber: 9 });
      await provider.forceFlush();
      await provider.shutdown();
      assert.equal(captured.length, 1);
      const { headers, body } = captured[0];
      const r = otlpLogsDecoder.decode(body, headers, { now: NOW });
      assert.deepEqual(r.rejected, []);
      assert.equal(r.events.length, 2);
      const [failed, login] = r.events;
      assert.deepEqual(failed, {
        time: NOW - 3000,
        observedTime: failed.observedTime,
        group: 'checkout',
        stream: 'i-1',
        source: 'checkout',
        stage: 'prod',
        level: 17,
        levelText: 'ERROR',
        message: 'payment failed',
        attributes: {
          'otel.scope.name': 'app',
          'otel.scope.version': '1.2.0',
          'http.status': 502,
          retry: true,
          tags: ['a', 'b'],
          order: { id: 'o-9', total: 12.5 },
        },
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        resource: failed.resource,
      });
      assert.ok(
        failed.observedTime >= sentAfter - 1 && failed.observedTime <= Date.now(),
        'the SDK sets observed time',
      );
      assert.deepEqual(failed.resource, {
        'service.name': 'checkout',
        'service.instance.id': 'i-1',
        'deployment.environment.name': 'prod',
      });
      assert.equal(login.message, '{"event":"login","user":7}');
      assert.equal(login.attributes['event.name'], 'user.login');
      assert.deepEqual([login.level, login.levelText], [9, 'INFO']);
      assert.equal(login.time, login.observedTime, 'no timestamp: the observed one');
    });
  }
});
