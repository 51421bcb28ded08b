import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Tocsin } from '../app.js';
import { call, createTestApp, TEST_ADMIN_TOKEN } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { decodeExportResponse, decodeStatus, encodeExportRequest } from './otlp-proto.js';
import type { OtlpRequest } from './otlp-values.js';

/** A reader the test collects from when it chooses (each collect is one export), with the exporter's temporality. */
class ManualReader extends MetricReader {
  constructor(exporter: PushMetricExporter) {
    super({ aggregationTemporalitySelector: (t) => exporter.selectAggregationTemporality!(t) });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** The real SDK exporting to the real listening server: a counter and a histogram of one service process. */
function sdkProcess(exporter: PushMetricExporter, service: string, instance: string) {
  const reader = new ManualReader(exporter);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'service.instance.id': instance,
      'host.name': 'web-1',
    }),
    readers: [reader],
    views: [
      {
        instrumentName: 'latency',
        aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [10, 50, 100, 500] } },
      },
    ],
  });
  const meter = provider.getMeter('checkout-app');
  const requests = meter.createCounter('requests');
  const latency = meter.createHistogram('latency', { unit: 'ms' });
  return {
    requests,
    latency,
    async export(): Promise<void> {
      const { resourceMetrics, errors } = await reader.collect();
      assert.deepEqual(errors, []);
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        exporter.export(resourceMetrics, resolve),
      );
      assert.equal(result.code, 0, `export failed: ${result.error?.message}`);
    },
    shutdown: () => provider.shutdown(),
  };
}

const point = (name: string, value: number) => ({ name, gauge: { dataPoints: [{ asDouble: value }] } });
const body = (service: string, metrics: unknown[]): OtlpRequest => ({
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeMetrics: [{ metrics: metrics as never }],
    },
  ],
});

for (const variant of await testDatabases()) {
  describe(`OTLP/HTTP metrics on ${variant.name}`, { timeout: 60_000 }, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let server: ServerType;
    let url: string;
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name));
      server = serve({ fetch: tocsin.http.fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispose();
    });

    /** One statistic over the last hour (a single period), or null. */
    async function stat(
      namespace: string,
      name: string,
      statistic: string,
      dimensions: Record<string, string> = {},
    ): Promise<number | null> {
      const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;
      const q =
        `namespace=${encodeURIComponent(namespace)}&name=${name}&statistic=${statistic}&period=7200` +
        `&to=${new Date(to).toISOString()}&from=${new Date(to - 7_200_000).toISOString()}`;
      const res = await call(
        tocsin,
        'GET',
        `/api/metrics/query?${q}&dimensions=${encodeURIComponent(JSON.stringify(dimensions))}`,
      );
      assert.equal(res.status, 200, res.text);
      return res.json.datapoints[0].value;
    }

    const exporters = [
      [
        'JSON',
        (compression: CompressionAlgorithm) =>
          new JsonExporter({ url, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, compression }),
      ],
      [
        'protobuf',
        (compression: CompressionAlgorithm) =>
          new ProtoExporter({ url, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, compression }),
      ],
    ] as const;
    for (const [encoding, make] of exporters) {
      for (const compression of [CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP]) {
        it(`SDK counter as deltas, histogram count and sum (${encoding}, compression ${compression})`, async () => {
          const service = `svc-${encoding}-${compression}`;
          const first = sdkProcess(make(compression), service, 'instance-1');
          first.requests.add(5, { route: '/a' });
          first.latency.record(20);
          first.latency.record(300);
          await first.export();
          first.requests.add(3, { route: '/a' });
          first.latency.record(40);
          await first.export();
          await first.export();
          first.requests.add(2, { route: '/a' });
          await first.export();
          await first.shutdown();
          // The process restarts with a new instance id: its running total starts over, in the same series.
          const second = sdkProcess(make(compression), service, 'instance-2');
          second.requests.add(4, { route: '/a' });
          await second.export();
          await second.shutdown();
          await tocsin.metricsStore.drain();
          assert.equal(
            await stat(service, 'requests', 'Sum', { route: '/a' }),
            14,
            'raw running totals would sum to 5 + 8 + 8 + 10 + 4 = 35',
          );
          assert.equal(await stat(service, 'latency', 'SampleCount'), 3);
          assert.equal(await stat(service, 'latency', 'Sum'), 360);
          assert.equal(await stat(service, 'latency', 'Maximum'), 300);
          assert.equal(await stat(service, 'latency', 'Minimum'), 20);
          // The buckets fill the distribution: 20 and 40 in (10, 50], 300 in (100, 500] (and within the max, 300).
          const p50 = (await stat(service, 'latency', 'p50'))!;
          const p99 = (await stat(service, 'latency', 'p99'))!;
          assert.ok(p50 > 10 && p50 <= 50, `p50 ${p50}`);
          assert.ok(p99 > 100 && p99 <= 300, `p99 ${p99}`);
          const series = (await call(tocsin, 'GET', `/api/metrics?namespace=${service}`)).json.series;
          assert.deepEqual(
            series.map((s: { name: string; dimensions: unknown }) => [s.name, s.dimensions]).sort(),
            [
              ['latency', {}],
              ['requests', { route: '/a' }],
            ],
            'service.instance.id, host.name and telemetry.sdk.* do not split a series',
          );
        });
      }
    }

    const post = (
      bytes: Uint8Array | string,
      headers: Record<string, string>,
      token: string | null = TEST_ADMIN_TOKEN,
    ) =>
      tocsin.http.request('/v1/metrics', {
        method: 'POST',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: bytes,
      });

    it('answers protobuf with an ExportMetricsServiceResponse, partial success only on rejected points', async () => {
      const ok = await post(encodeExportRequest(body('proto-hand', [point('up', 1)])), {
        'content-type': 'application/x-protobuf',
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), 'application/x-protobuf');
      assert.deepEqual(decodeExportResponse(new Uint8Array(await ok.arrayBuffer())), {}, 'partial_success unset');
      const partial = await post(
        encodeExportRequest(body('proto-hand', [point('up', 1), { name: 'rpc', summary: { dataPoints: [{}, {}] } }])),
        { 'content-type': 'application/x-protobuf' },
      );
      assert.equal(partial.status, 200);
      assert.deepEqual(decodeExportResponse(new Uint8Array(await partial.arrayBuffer())), {
        partialSuccess: { rejectedDataPoints: '2', errorMessage: 'rpc: summaries are not taken; send a histogram' },
      });
      await tocsin.metricsStore.drain();
      assert.equal(await stat('proto-hand', 'up', 'SampleCount'), 2);
    });

    it('takes gzipped JSON, and keeps the resource attributes a request asks for as dimensions', async () => {
      const req = body('gz-hand', [point('temp', 21)]);
      req.resourceMetrics![0].resource!.attributes!.push({ key: 'host.name', value: { stringValue: 'web-2' } });
      const res = await post(gzipSync(JSON.stringify(req)), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'x-tocsin-resource-dimensions': 'host.name',
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      const series = (await call(tocsin, 'GET', '/api/metrics?namespace=gz-hand')).json.series;
      assert.deepEqual(series[0].dimensions, { 'host.name': 'web-2' });
    });

    it('answers failures with a google.rpc.Status in the request encoding, and 4xx for bad input', async () => {
      const proto = { 'content-type': 'application/x-protobuf' };
      const garbage = await post(new Uint8Array([0x0a, 0xff, 0xff, 0xff]), proto);
      assert.equal(garbage.status, 400);
      assert.equal(garbage.headers.get('content-type'), 'application/x-protobuf');
      assert.match(
        decodeStatus(new Uint8Array(await garbage.arrayBuffer())).message!,
        /not a protobuf ExportMetricsServiceRequest/,
      );
      const noToken = await post(encodeExportRequest(body('x', [])), proto, null);
      assert.equal(noToken.status, 401);
      assert.match(decodeStatus(new Uint8Array(await noToken.arrayBuffer())).message!, /API token/);
      const badGzip = await post('not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      assert.equal(badGzip.status, 400);
      assert.match(
        ((await badGzip.json()) as { message: string }).message,
        /Content-Encoding: gzip, but the body is not gzip data/,
      );
      const bomb = await post(gzipSync(Buffer.alloc(33 * 1024 * 1024)), { ...proto, 'content-encoding': 'gzip' });
      assert.equal(bomb.status, 413);
      const wrongType = await post('a=1', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(wrongType.status, 415);
      assert.match(
        ((await wrongType.json()) as { message: string }).message,
        /Content-Type: send application\/x-protobuf or application\/json/,
      );
      const notJson = await post('{', { 'content-type': 'application/json' });
      assert.equal(notJson.status, 400);
      const wrongShape = await post(JSON.stringify({ resourceMetrics: 5 }), { 'content-type': 'application/json' });
      assert.equal(wrongShape.status, 400);
      assert.match(((await wrongShape.json()) as { message: string }).message, /resourceMetrics/);
      const badNanos = await post(
        JSON.stringify(body('x', [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: 1.7e18 }] } }])),
        { 'content-type': 'application/json' },
      );
      assert.equal(badNanos.status, 200, 'a time as a JSON number is taken too');
    });

    it('refuses NUL in names and attributes, in JSON and in protobuf, with a 400 naming the field', async () => {
      const withNul = body('x', [
        {
          name: 'g\u0000',
          gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: String(BigInt(Date.now()) * 1_000_000n) }] },
        },
      ]);
      const json = await post(JSON.stringify(withNul), { 'content-type': 'application/json' });
      assert.equal(json.status, 400);
      assert.match(((await json.json()) as { message: string }).message, /NUL/);
      const proto = await post(encodeExportRequest(withNul), { 'content-type': 'application/x-protobuf' });
      assert.equal(proto.status, 400);
      assert.match(decodeStatus(new Uint8Array(await proto.arrayBuffer())).message!, /NUL/);
    });
  });
}
