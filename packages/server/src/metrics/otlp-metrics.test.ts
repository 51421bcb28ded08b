import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OtlpConverter } from './otlp-metrics.js';
import type { OtlpMetric, OtlpRequest } from './otlp-values.js';

const BOOT = 1_767_225_600_000;
/** The time of the tests' requests: a little after BOOT. */
const NOW = BOOT + 120_000;
const ns = (ms: number) => `${ms}000000`;
const attr = (key: string, stringValue: string) => ({ key, value: { stringValue } });

function request(
  metrics: OtlpMetric[],
  resource = [attr('service.name', 'checkout'), attr('service.instance.id', 'i-1'), attr('host.name', 'web-1')],
): OtlpRequest {
  return {
    resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ scope: { name: 'app' }, metrics }] }],
  };
}

/** A cumulative monotonic counter point (the SDKs' default), started at `start`. */
const counter = (value: number, at: number, start: number, attributes = [attr('route', '/a')]): OtlpMetric => ({
  name: 'requests',
  sum: {
    isMonotonic: true,
    aggregationTemporality: 2,
    dataPoints: [{ attributes, startTimeUnixNano: ns(start), timeUnixNano: ns(at), asInt: String(value) }],
  },
});

const sums = (r: ReturnType<OtlpConverter['convert']>) => r.data.map((d) => d.sum);

describe('OTLP metrics', () => {
  it('takes gauges with point attributes, service.name as namespace, and only resource attributes asked for', () => {
    const c = new OtlpConverter(BOOT);
    const gauge: OtlpMetric = {
      name: 'queue.depth',
      unit: '1',
      gauge: { dataPoints: [{ timeUnixNano: ns(BOOT + 5000), asInt: '42', attributes: [attr('queue', 'emails')] }] },
    };
    const r = c.convert(request([gauge]), BOOT + 9000);
    assert.deepEqual(r.data, [
      {
        namespace: 'checkout',
        name: 'queue.depth',
        dimensions: { queue: 'emails' },
        unit: '1',
        at: BOOT + 5000,
        count: 1,
        sum: 42,
        min: 42,
        max: 42,
      },
    ]);
    assert.deepEqual(c.convert(request([gauge]), BOOT, { resourceDimensions: ['host.name'] }).data[0].dimensions, {
      'host.name': 'web-1',
      queue: 'emails',
    });
    assert.deepEqual(c.convert(request([gauge]), BOOT, { resourceDimensions: '*' }).data[0].dimensions, {
      'host.name': 'web-1',
      'service.instance.id': 'i-1',
      queue: 'emails',
    });
    const noTime = c.convert(
      request([{ name: 'g', gauge: { dataPoints: [{ asDouble: 7.5 }] } }], [attr('x', 'y')]),
      1234,
    ).data[0];
    assert.equal(noTime.at, 1234, 'no time: now');
    assert.equal(noTime.namespace, 'OTLP', 'no service.name');
  });

  it('turns a cumulative counter into deltas, counting a series started while running from its start', () => {
    const c = new OtlpConverter(BOOT);
    const start = BOOT + 1000;
    assert.deepEqual(
      sums(c.convert(request([counter(5, start + 10_000, start)]), NOW)),
      [5],
      'started after this node: all of it is new',
    );
    assert.deepEqual(sums(c.convert(request([counter(8, start + 20_000, start)]), NOW)), [3]);
    assert.deepEqual(
      sums(c.convert(request([counter(8, start + 20_000, start)]), NOW)),
      [],
      'a retried export adds nothing',
    );
    assert.deepEqual(
      sums(c.convert(request([counter(8, start + 30_000, start)]), NOW)),
      [0],
      'no increase is a 0, not a gap',
    );
    assert.deepEqual(
      sums(c.convert(request([counter(2, start + 40_000, start + 35_000)]), NOW)),
      [2],
      'a new start time is a reset',
    );
    assert.deepEqual(
      sums(c.convert(request([counter(1, start + 50_000, start + 35_000)]), NOW)),
      [1],
      'a lower value is a reset',
    );
  });

  it('takes the first point of a series started before this node as a baseline, not as an increase', () => {
    const c = new OtlpConverter(BOOT);
    const start = BOOT - 3_600_000;
    assert.deepEqual(
      sums(c.convert(request([counter(1000, BOOT + 10_000, start)]), NOW)),
      [],
      'may have been counted before a restart',
    );
    assert.deepEqual(sums(c.convert(request([counter(1004, BOOT + 20_000, start)]), NOW)), [4]);
    const noStart = c.convert(request([{ ...counter(50, BOOT + 10_000, 0), name: 'other' }]), NOW);
    assert.deepEqual(sums(noStart), [], 'no start time: a baseline');
  });

  it('keeps one series across process restarts, with the state keyed by the full identity', () => {
    const c = new OtlpConverter(BOOT);
    const res = (id: string) => [attr('service.name', 'checkout'), attr('service.instance.id', id)];
    const a = BOOT + 1000;
    const b = BOOT + 60_000;
    c.convert(request([counter(10, a + 10_000, a)], res('i-1')), NOW);
    // A second process (or a restarted one) with its own running total: deltas of both add up in one series.
    const r1 = c.convert(request([counter(4, b + 10_000, b)], res('i-2')), NOW);
    const r2 = c.convert(request([counter(15, a + 70_000, a)], res('i-1')), NOW);
    assert.deepEqual([...sums(r1), ...sums(r2)], [4, 5]);
    assert.deepEqual(r1.data[0].dimensions, r2.data[0].dimensions);
    assert.deepEqual(r1.data[0].dimensions, { route: '/a' });
  });

  it('takes delta sums and non-monotonic cumulative sums as they are', () => {
    const c = new OtlpConverter(BOOT);
    const delta: OtlpMetric = {
      name: 'd',
      sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: [{ asDouble: 3 }, { asDouble: 4 }] },
    };
    const upDown: OtlpMetric = {
      name: 'inflight',
      sum: {
        isMonotonic: false,
        aggregationTemporality: 2,
        dataPoints: [{ startTimeUnixNano: ns(BOOT - 1), asInt: 7 }],
      },
    };
    assert.deepEqual(sums(c.convert(request([delta, upDown]), BOOT)), [3, 4, 7]);
    assert.deepEqual(sums(c.convert(request([upDown]), BOOT)), [7], 'a gauge again, not a delta');
  });

  it('takes explicit-bucket histograms with count, sum, min, max and bucket values; cumulative ones as deltas', () => {
    const c = new OtlpConverter(BOOT);
    const start = BOOT + 1;
    const hist = (count: number, sum: number, buckets: number[], at: number): OtlpMetric => ({
      name: 'latency',
      unit: 'ms',
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            startTimeUnixNano: ns(start),
            timeUnixNano: ns(at),
            count: String(count),
            sum,
            min: 10,
            max: 300,
            explicitBounds: [0, 25, 100, 500],
            bucketCounts: buckets.map(String),
          },
        ],
      },
    });
    const first = c.convert(request([hist(3, 330, [0, 2, 0, 1, 0], BOOT + 10_000)]), NOW).data[0];
    assert.deepEqual(
      { count: first.count, sum: first.sum, min: first.min, max: first.max },
      { count: 3, sum: 330, min: 10, max: 300 },
    );
    assert.deepEqual(
      first.values,
      [
        { value: 17.5, weight: 2 },
        { value: 200, weight: 1 },
      ],
      'bucket middles, within min and max',
    );
    const second = c.convert(request([hist(5, 430, [0, 2, 2, 1, 0], BOOT + 20_000)]), NOW).data[0];
    assert.deepEqual(
      { count: second.count, sum: second.sum, min: second.min, max: second.max },
      { count: 2, sum: 100, min: 62.5, max: 62.5 },
    );
    assert.deepEqual(second.values, [{ value: 62.5, weight: 2 }]);
    assert.deepEqual(
      c.convert(request([hist(5, 430, [0, 2, 2, 1, 0], BOOT + 30_000)]), NOW).data,
      [],
      'nothing observed: no datapoint',
    );
    const reset = c.convert(request([hist(1, 20, [0, 1, 0, 0, 0], BOOT + 40_000)]), NOW).data[0];
    assert.equal(reset.count, 1, 'a lower count is a reset');
  });

  it('takes exponential histograms, merging buckets when the scale goes down', () => {
    const c = new OtlpConverter(BOOT);
    const point = (
      scale: number,
      offset: number,
      counts: number[],
      count: number,
      sum: number,
      at: number,
    ): OtlpMetric => ({
      name: 'size',
      exponentialHistogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            startTimeUnixNano: ns(BOOT + 1),
            timeUnixNano: ns(at),
            scale,
            zeroCount: 0,
            count,
            sum,
            positive: { offset, bucketCounts: counts },
          },
        ],
      },
    });
    // Scale 1: bucket i is (2^(i/2), 2^((i+1)/2)]; values 3 and 5 fall in buckets 3 and 4, read as 2^((i+0.5)/2).
    const first = c.convert(request([point(1, 3, [1, 1], 2, 8, BOOT + 10_000)]), NOW).data[0];
    assert.equal(first.count, 2);
    assert.deepEqual(
      first.values!.map((v) => Math.round(v.value * 100) / 100),
      [3.36, 4.76],
    );
    assert.deepEqual(
      [first.min, first.max].map((v) => Math.round(v * 100) / 100),
      [3.36, 4.76],
      'no min and max given: the buckets bound them',
    );
    // Scale 0 (buckets merged in pairs): 3 → bucket 1, 5 → bucket 2, and a new 6 → bucket 2.
    const second = c.convert(request([point(0, 1, [1, 2], 3, 14, BOOT + 20_000)]), NOW).data[0];
    assert.deepEqual({ count: second.count, sum: second.sum }, { count: 1, sum: 6 });
    assert.deepEqual(second.values, [{ value: 2 ** 2.5, weight: 1 }]);
  });

  it('rejects summaries and points without a value with reasons, and skips points with no recorded value', () => {
    const c = new OtlpConverter(BOOT);
    const r = c.convert(
      request([
        { name: 'rpc', summary: { dataPoints: [{}, {}] } },
        { name: 'g', gauge: { dataPoints: [{ asDouble: 1 }, {}, { flags: 1 }] } },
        { gauge: { dataPoints: [{ asDouble: 1 }] } },
        { name: 'h', histogram: { dataPoints: [{ count: '2' }] } },
        {
          name: 'old',
          gauge: {
            dataPoints: [
              { asDouble: 1, timeUnixNano: ns(BOOT - 15 * 86_400_000) },
              { asDouble: 1, timeUnixNano: ns(BOOT + 3 * 3_600_000) },
            ],
          },
        },
      ]),
      BOOT,
    );
    assert.deepEqual(sums(r), [1]);
    assert.equal(r.rejected, 7);
    assert.deepEqual(r.reasons, [
      'rpc: summaries are not taken; send a histogram',
      'g: a datapoint without a finite asDouble or asInt',
      'a metric without a name',
      'h: a histogram point with neither a sum nor buckets',
      'old: a time more than 14 days ago or 2 hours ahead',
    ]);
  });

  it('refuses shapes no client should send as rejected points, never as an error', () => {
    const c = new OtlpConverter(BOOT);
    const junk = [
      { resourceMetrics: 5 },
      { resourceMetrics: [null, { scopeMetrics: 'x' }, { scopeMetrics: [{ metrics: { a: 1 } }] }] },
      request([{ name: 'g', gauge: { dataPoints: 7 as never } }]),
      request([{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, attributes: 'x' as never }] } }]),
      request([
        {
          name: 'h',
          histogram: {
            dataPoints: [{ count: '1', sum: 2, explicitBounds: 'x' as never, bucketCounts: { a: 1 } as never }],
          },
        },
      ]),
      request([{ name: { x: 1 } as never, gauge: { dataPoints: [{ asDouble: 1 }] } }]),
    ] as OtlpRequest[];
    const results = junk.map((body) => c.convert(body, NOW));
    assert.deepEqual(
      results.map((r) => r.data.length),
      [0, 0, 0, 1, 1, 0],
    );
    assert.deepEqual(results[5].reasons, ['a metric without a name']);
  });

  it('forgets the least recently seen series beyond its limit', async () => {
    const { CumulativeState } = await import('./otlp-cumulative.js');
    const s = new CumulativeState(0, 2);
    s.sumDelta('a', 1, 10, 1);
    s.sumDelta('b', 1, 10, 1);
    s.sumDelta('a', 1, 20, 2);
    s.sumDelta('c', 1, 10, 1);
    assert.equal(s.size, 2);
    assert.equal(s.sumDelta('a', 1, 30, 5), 3, 'a was kept');
    assert.equal(s.sumDelta('b', 1, 30, 5), 5, 'b was forgotten: its point counts from its start again');
  });
});
