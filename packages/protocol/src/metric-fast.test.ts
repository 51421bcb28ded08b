import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { putMetricDataSchema } from './metric.js';
import { isPlainPutMetricData } from './metric-fast.js';

const good = {
  MetricName: 'latency',
  Dimensions: [{ Name: 'Host', Value: 'web-1' }],
  Timestamp: '2026-11-30T10:00:00Z',
  Value: 1.5,
  Unit: 'Milliseconds',
};

/** Single-field changes of a valid datum, valid or not. */
const variants: Record<string, unknown>[] = [
  {},
  { Value: undefined },
  { Value: 'x' },
  { Value: null },
  { Value: undefined, Values: [1, 2] },
  { Value: undefined, Values: [1, 2], Counts: [1, 3] },
  { Value: undefined, Values: [1, 2], Counts: [1] },
  { Value: undefined, Values: [1, 2], Counts: [0, 1] },
  { Counts: [1] },
  { Value: undefined, Values: Array(151).fill(1) },
  { Value: undefined, StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2 } },
  { Value: undefined, StatisticValues: { SampleCount: 0, Sum: 3, Minimum: 1, Maximum: 2 } },
  { Value: undefined, StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 3, Maximum: 2 } },
  { Value: undefined, StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 1 } },
  { Value: undefined, StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2, Extra: 1 } },
  { Values: [1] },
  { MetricName: '' },
  { MetricName: 'x'.repeat(256) },
  { MetricName: 7 },
  { Dimensions: [] },
  { Dimensions: [{ Name: 'a' }] },
  { Dimensions: [{ Name: '', Value: 'v' }] },
  { Dimensions: [{ Name: 'a', Value: 'v', Other: 1 }] },
  { Dimensions: Array(31).fill({ Name: 'a', Value: 'b' }) },
  { Dimensions: {} },
  { Timestamp: 1764496800 },
  { Timestamp: '2026-11-30T10:00:00.123+09:00' },
  { Timestamp: '2026-11-30 10:00:00' },
  { Timestamp: '2026-02-30T10:00:00Z' },
  { Timestamp: '2026-11-30T10:00:00' },
  { Timestamp: true },
  { Unit: 'x'.repeat(33) },
  { Unit: '' },
  { StorageResolution: 1 },
  { StorageResolution: 60 },
  { StorageResolution: 5 },
  { Other: 1 },
];

/** A valid datum with one change; undefined removes the field, as in JSON. */
const datum = (v: Record<string, unknown>) => JSON.parse(JSON.stringify({ ...good, ...v }));

describe('the fast PutMetricData check', () => {
  it('accepts the common valid body, and never what the schema rejects', () => {
    const bodies: unknown[] = [
      null,
      [],
      'x',
      { Namespace: 'App' },
      { Namespace: 'App', MetricData: [] },
      { Namespace: '', MetricData: [good] },
      { Namespace: 'App', MetricData: [good], Extra: 1 },
    ];
    for (const v of variants) bodies.push({ Namespace: 'App', MetricData: [good, datum(v)] });
    bodies.push({ Namespace: 'App', MetricData: Array(1001).fill(good) });
    let accepted = 0;
    for (const body of bodies) {
      const schemaOk = putMetricDataSchema.safeParse(body).success;
      if (isPlainPutMetricData(body)) {
        accepted++;
        assert.ok(schemaOk, `fast check accepted what the schema rejects: ${JSON.stringify(body).slice(0, 300)}`);
      }
    }
    assert.ok(isPlainPutMetricData({ Namespace: 'App', MetricData: Array(1000).fill(good) }));
    assert.ok(accepted >= 10, `accepted ${accepted}`);
  });
  it('agrees with the schema on every valid variant it is meant to speed up', () => {
    for (const v of variants) {
      const body = { Namespace: 'App', MetricData: [datum(v)] };
      if (putMetricDataSchema.safeParse(body).success && !('Other' in v))
        assert.ok(isPlainPutMetricData(body), JSON.stringify(v));
    }
  });
});
