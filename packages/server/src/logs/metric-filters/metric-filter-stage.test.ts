import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logRuleInputSchema } from '@tocsin/protocol';
import { logEvent } from '../../test-support/log-metrics-test-kit.js';
import { MAX_SERIES_PER_FILTER, MetricFilterStage } from './metric-filter-stage.js';
import { SeriesBuckets } from './series-buckets.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const rule = (r: Record<string, unknown>) =>
  logRuleInputSchema.parse({ kind: 'metric_filter', namespace: 'App', metricName: 'm', ...r });

function stageWith(...rules: Record<string, unknown>[]) {
  const buckets = new SeriesBuckets();
  const stage = new MetricFilterStage(buckets);
  stage.setRules(rules.map(rule));
  return { buckets, stage };
}

const apache = (status: number, bytes: string, ip = '127.0.0.1') =>
  `${ip} - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" ${status} ${bytes}`;

describe('metric filters', () => {
  it('counts matches per series and second, one datapoint per second however many lines', () => {
    const { buckets, stage } = stageWith({ name: 'errors', pattern: 'ERROR' });
    stage.process([logEvent('ERROR a', T), logEvent('INFO b', T + 10), logEvent('ERROR c', T + 900)], T);
    stage.process([logEvent('ERROR d', T + 1_200)], T);
    const data = buckets.drain();
    assert.deepEqual(
      data.map((d) => [d.namespace, d.name, d.at, d.count, d.sum]),
      [
        ['App', 'm', T, 2, 2],
        ['App', 'm', T + 1000, 1, 1],
      ],
    );
    assert.equal(buckets.drain().length, 0, 'drained');
    assert.equal((stage.status().filters as { matched: number }[])[0].matched, 3);
  });

  it('takes the value from a JSON field, skipping and counting values that are not numbers', () => {
    const { buckets, stage } = stageWith({
      name: 'latency',
      pattern: '{ $.latency = * }',
      value: '$.latency',
      unit: 'Milliseconds',
    });
    const lines = ['{"latency": 120}', '{"latency": "30"}', '{"latency": "slow"}', '{"latency": 50}', '{"x": 1}'];
    stage.process(
      lines.map((l) => logEvent(l, T)),
      T,
    );
    const [d] = buckets.drain();
    assert.deepEqual([d.count, d.sum, d.min, d.max, d.unit], [3, 200, 30, 120, 'Milliseconds']);
    assert.deepEqual(d.values, [
      { value: 120, weight: 1 },
      { value: 30, weight: 1 },
      { value: 50, weight: 1 },
    ]);
    const status = (stage.status().filters as Record<string, number>[])[0];
    assert.equal(status.matched, 4);
    assert.equal(status.notNumber, 1);
  });

  it('takes the value and dimensions from space-delimited fields', () => {
    const { buckets, stage } = stageWith({
      name: 'bytes',
      pattern: '[ip, id, user, timestamp, request, status_code = 2*, size]',
      value: '$size',
      dimensions: { Status: '$status_code', Client: '$ip' },
    });
    stage.process(
      [
        logEvent(apache(200, '2326'), T),
        logEvent(apache(200, '100'), T),
        logEvent(apache(204, '0', '10.0.0.1'), T),
        logEvent(apache(500, '9999'), T),
        logEvent(apache(200, '-'), T),
      ],
      T,
    );
    const data = buckets.drain().map((d) => [d.dimensions, d.count, d.sum]);
    assert.deepEqual(data, [
      [{ Status: '200', Client: '127.0.0.1' }, 2, 2426],
      [{ Status: '204', Client: '10.0.0.1' }, 1, 0],
    ]);
    const status = (stage.status().filters as Record<string, number>[])[0];
    assert.equal(status.notNumber, 1, "'-' is not a number");
    assert.equal(status.series, 2);
  });

  it('skips a match whose dimension field is missing, and takes JSON dimensions', () => {
    const { buckets, stage } = stageWith({
      name: 'by-region',
      pattern: '{ $.level = "error" }',
      dimensions: { Region: '$.region' },
    });
    stage.process(
      [
        logEvent('{"level":"error","region":"eu"}', T),
        logEvent('{"level":"error"}', T),
        logEvent('{"level":"error","region":"us"}', T),
        logEvent('{"level":"info","region":"us"}', T),
      ],
      T,
    );
    assert.deepEqual(
      buckets.drain().map((d) => [d.dimensions.Region, d.sum]),
      [
        ['eu', 1],
        ['us', 1],
      ],
    );
    assert.equal((stage.status().filters as Record<string, number>[])[0].missingDimension, 1);
  });

  it('emits the default value for a flush that saw lines of its selection but no match', () => {
    const { buckets, stage } = stageWith({ name: 'errs', group: 'app', pattern: 'ERROR', defaultValue: 0 });
    stage.flush(T);
    assert.equal(buckets.drain().length, 0, 'no lines, no default');
    stage.process([logEvent('all good', T, { group: 'app' }), logEvent('ERROR x', T, { group: 'other' })], T);
    stage.flush(T + 1_000);
    assert.deepEqual(
      buckets.drain().map((d) => [d.at, d.count, d.sum]),
      [[T + 1_000, 1, 0]],
    );
    stage.process([logEvent('ERROR y', T + 1_500, { group: 'app' })], T + 1_500);
    stage.flush(T + 2_000);
    assert.deepEqual(
      buckets.drain().map((d) => [d.at, d.sum]),
      [[T + 1_000, 1]],
      'a match, no default',
    );
  });

  it('narrows to a source and a stage', () => {
    const { buckets, stage } = stageWith({ name: 'f', pattern: 'timeout', source: 'checkout', stage: 'prod' });
    stage.process(
      [
        logEvent('timeout', T, { source: 'checkout', stage: 'prod' }),
        logEvent('timeout', T, { source: 'checkout', stage: 'dev' }),
        logEvent('timeout', T, { source: 'billing', stage: 'prod' }),
      ],
      T,
    );
    assert.equal(buckets.drain()[0].count, 1);
  });

  it(`stops a filter that makes more than ${MAX_SERIES_PER_FILTER} dimension sets`, () => {
    const { buckets, stage } = stageWith({ name: 'ids', pattern: '{ $.id = * }', dimensions: { Id: '$.id' } });
    const events = Array.from({ length: MAX_SERIES_PER_FILTER + 5 }, (_, i) => logEvent(`{"id":"r${i}"}`, T));
    stage.process(events, T);
    assert.equal(buckets.drain().length, MAX_SERIES_PER_FILTER);
    const status = (stage.status().filters as Record<string, unknown>[])[0];
    assert.match(String(status.stopped), /more than 1000 dimension sets/);
    stage.process([logEvent('{"id":"r1"}', T)], T);
    assert.equal(buckets.drain().length, 0, 'stopped until the rule changes');
  });
});
