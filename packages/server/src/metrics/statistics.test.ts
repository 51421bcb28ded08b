import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { periodValues, statisticOf } from './statistics.js';

const v = (value: number, at = 0) => ({ seriesNum: 1, at, count: 1, sum: value, min: value, max: value });

describe('statistics', () => {
  const rows = [v(1), v(2), v(3), v(4), { seriesNum: 1, at: 0, count: 4, sum: 40, min: 5, max: 20 }];
  it('computes every statistic, counting a statistic set as its samples', () => {
    assert.equal(statisticOf(rows, 'SampleCount'), 8);
    assert.equal(statisticOf(rows, 'Sum'), 50);
    assert.equal(statisticOf(rows, 'Average'), 6.25);
    assert.equal(statisticOf(rows, 'Minimum'), 1);
    assert.equal(statisticOf(rows, 'Maximum'), 20);
  });
  it('takes percentiles by nearest rank over single values', () => {
    const values = Array.from({ length: 100 }, (_, i) => v(i + 1));
    assert.equal(statisticOf(values, 'p50'), 50);
    assert.equal(statisticOf(values, 'p99'), 99);
    assert.equal(statisticOf(values, 'p100'), 100);
    assert.equal(statisticOf(values, 'p99.5'), 100);
    assert.equal(statisticOf([v(7)], 'p90'), 7);
  });
  it('has no value for an empty period', () => {
    for (const s of ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum', 'p90'])
      assert.equal(statisticOf([], s), null);
  });
  it('splits datapoints into periods ending at the evaluation time', () => {
    const data = [v(10, 0), v(20, 60_000), v(30, 119_999), v(99, 120_000)];
    assert.deepEqual(periodValues(data, 120_000, 60_000, 3, 'Average'), [
      { start: -60_000, value: null },
      { start: 0, value: 10 },
      { start: 60_000, value: 25 },
    ]);
  });
});
