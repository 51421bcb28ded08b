import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addValue, emptySketch, mergeSketch, quantile } from './sketch.js';

describe('quantile sketch', () => {
  it('reads percentiles back within 1 % and merges by adding', () => {
    const a = emptySketch();
    const b = emptySketch();
    for (let v = 1; v <= 5000; v++) addValue(a, v);
    for (let v = 5001; v <= 10000; v++) addValue(b, v);
    mergeSketch(a, b);
    for (const [p, exact] of [
      [50, 5000],
      [90, 9000],
      [99, 9900],
      [100, 10000],
    ] as const) {
      const q = quantile(a, p)!;
      assert.ok(Math.abs(q - exact) / exact < 0.01, `p${p}: ${q} vs ${exact}`);
    }
  });
  it('handles zero and negative values, and is empty when empty', () => {
    const s = emptySketch();
    for (const v of [-10, -1, 0, 0, 5]) addValue(s, v);
    assert.ok(Math.abs(quantile(s, 1)! + 10) < 0.2);
    assert.equal(quantile(s, 50), 0);
    assert.ok(Math.abs(quantile(s, 100)! - 5) < 0.06);
    assert.equal(quantile(emptySketch(), 50), null);
  });
});
