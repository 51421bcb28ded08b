import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Distribution } from './distribution.js';
import { Aggregator, BatchBuilder, FLAG_HIGH_RES, FLAG_VALUES, batchOf } from './metric-batch.js';

const T = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('ingest batches folded into stored rows', () => {
  it('keeps a row per series and minute, or per second at high resolution, with the single values distribution', () => {
    const b = new BatchBuilder();
    // 100 values in the first 10 s of a minute
    for (let i = 0; i < 100; i++) b.push(1, T + i * 100, 1, i, i, i, FLAG_VALUES);
    b.push(1, T + 59_999, 4, 40, 5, 20, 0); // a statistic set, same minute
    b.push(1, T + 60_000, 1, 7, 7, 7, FLAG_VALUES); // one plain value, next minute
    b.push(2, T + 1_500, 3, 9, 3, 3, FLAG_VALUES | FLAG_HIGH_RES); // Values [3] with Counts [3], high resolution
    b.push(2, T + 1_900, 1, 5, 5, 5, FLAG_VALUES | FLAG_HIGH_RES);
    b.push(2, T + 2_100, 1, 6, 6, 6, FLAG_VALUES | FLAG_HIGH_RES);
    const agg = new Aggregator();
    agg.add(batchOf([b.view()]));
    const rows = agg.rows().sort((x, y) => x.seriesNum - y.seriesNum || x.at - y.at);
    assert.equal(agg.datapoints, 105);
    assert.deepEqual(
      rows.map((r) => [r.seriesNum, r.at - T, r.count, r.sum, r.min, r.max]),
      [
        [1, 0, 104, 4950 + 40, 0, 99],
        [1, 60_000, 1, 7, 7, 7],
        [2, 1_000, 4, 14, 3, 5],
        [2, 2_000, 1, 6, 6, 6],
      ],
    );
    // The set is not in the distribution; a plain value needs none stored.
    const minute = Distribution.decode(rows[0].detail!);
    assert.ok(Math.abs(minute.quantile(100)! - 99) / 99 < 0.01);
    assert.ok(Math.abs(minute.quantile(50)! - 49) / 49 < 0.01);
    assert.equal(rows[1].detail, null);
    assert.equal(Distribution.decode(rows[2].detail!).quantile(75), 3, 'Counts weigh values');
  });
  it('grows as datapoints come, four numbers a plain value and seven a statistic set', () => {
    const b = new BatchBuilder();
    for (let i = 0; i < 1000; i++) b.push(i, T, 1, i, i, i, FLAG_VALUES);
    b.push(1000, T, 2, 3, 1, 2, 0);
    assert.equal(b.view().length, 4 * 1000 + 7);
    assert.equal(b.count, 1001);
    const agg = new Aggregator();
    agg.add(batchOf([b.view().subarray(0, 4 * 500), b.view().subarray(4 * 500)]));
    const rows = agg.rows();
    assert.equal(rows.length, 1001);
    assert.deepEqual(rows.at(-1), { seriesNum: 1000, at: T, count: 2, sum: 3, min: 1, max: 2, detail: null });
  });
  it('refuses a batch of another format instead of misreading it', () => {
    assert.throws(
      () => new Aggregator().add(new Float64Array([1, 5, T, 1, 1, 1, 1, 1])),
      /metric batch of format 1, not 2/,
    );
  });
});
