import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { otlpDatums } from './otlp-metrics.js';

describe('OTLP metrics', () => {
  it('takes gauges and sums with resource and point attributes, and rejects histograms with a reason', () => {
    const r = otlpDatums(
      {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'host.name', value: { stringValue: 'web-1' } }] },
            scopeMetrics: [
              {
                metrics: [
                  { name: 'queue.depth', unit: '1', gauge: { dataPoints: [{ timeUnixNano: '1767225600000000000', asInt: '42', attributes: [{ key: 'queue', value: { stringValue: 'emails' } }] }] } },
                  { name: 'requests', sum: { dataPoints: [{ asDouble: 7.5 }] } },
                  { name: 'latency', histogram: { dataPoints: [{}, {}] } },
                ],
              },
            ],
          },
        ],
      },
      1000,
    );
    assert.deepEqual(r.data[0], { namespace: 'checkout', name: 'queue.depth', dimensions: { 'host.name': 'web-1', queue: 'emails' }, unit: '1', at: 1767225600000, count: 1, sum: 42, min: 42, max: 42 });
    assert.equal(r.data[1].at, 1000, 'no time: now');
    assert.equal(r.data[1].sum, 7.5);
    assert.equal(r.rejected, 2);
    assert.deepEqual(r.reasons, ['latency: only gauge and sum metrics are taken']);
  });
});
