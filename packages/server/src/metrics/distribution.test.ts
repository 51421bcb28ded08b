import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Distribution } from './distribution.js';

const of = (pairs: [number, number][]) => {
  const d = new Distribution();
  for (const [v, w] of pairs) d.add(v, w);
  return d;
};

describe('distribution of single values', () => {
  it('answers nearest-rank percentiles exactly while small, weighting values by their counts', () => {
    const d = of([
      [10, 1],
      [20, 1],
      [30, 2],
    ]);
    assert.equal(d.quantile(25), 10);
    assert.equal(d.quantile(50), 20);
    assert.equal(d.quantile(51), 30);
    assert.equal(d.quantile(100), 30);
    assert.equal(new Distribution().quantile(50), null);
  });
  it('turns into a sketch past 64 distinct values and stays within 1 %', () => {
    const d = new Distribution();
    for (let v = 1; v <= 1000; v++) d.add(v);
    for (const [p, exact] of [
      [50, 500],
      [90, 900],
      [99, 990],
    ] as const)
      assert.ok(Math.abs(d.quantile(p)! - exact) / exact < 0.01, `p${p} ${d.quantile(p)}`);
  });
  it('round-trips through its binary form, exact and sketched, and merges either way', () => {
    const exact = of([
      [1.5, 1],
      [-2, 3],
      [0, 1],
    ]);
    const back = Distribution.decode(exact.encode());
    for (const p of [1, 50, 80, 100]) assert.equal(back.quantile(p), exact.quantile(p));
    const big = new Distribution();
    for (let v = 1; v <= 200; v++) big.add(v * 10);
    const bigBack = Distribution.decode(big.encode());
    for (const p of [10, 50, 99]) assert.equal(bigBack.quantile(p), big.quantile(p));
    // A sketch merged into an exact distribution turns it into a sketch holding both.
    back.merge(bigBack);
    assert.ok(Math.abs(back.quantile(100)! - 2000) / 2000 < 0.01);
    assert.ok(back.quantile(1)! < 0);
    // Decoding copies, so an unaligned driver buffer is fine.
    const raw = exact.encode();
    const unaligned = Buffer.alloc(raw.length + 1);
    raw.copy(unaligned, 1);
    assert.equal(Distribution.decode(unaligned.subarray(1)).quantile(100), 1.5);
  });
});
