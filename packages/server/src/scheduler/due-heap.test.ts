import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DueHeap } from './due-heap.js';

/** Pops everything due at `now`, as [key, dueAt] pairs. */
function drain(h: DueHeap, now: number): [string, number][] {
  const out: [string, number][] = [];
  for (let item = h.popDue(now); item; item = h.popDue(now)) out.push([item.key, item.dueAt]);
  return out;
}

describe('due heap', () => {
  it('pops in due order and honours moves and deletes', () => {
    const h = new DueHeap();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    times.forEach((t, i) => {
      h.set(`k${i}`, t);
    });
    h.set('k0', 2000);
    h.delete('k1');
    const out = drain(h, 5000).map(([, t]) => t);
    assert.equal(out.length, 499);
    assert.deepEqual(
      out,
      [...out].sort((a, b) => a - b),
    );
    assert.equal(out[out.length - 1], 2000);
    assert.equal(h.size, 0);
  });

  it('keeps nothing not due: an item is due at its time, not before', () => {
    const h = new DueHeap();
    h.set('a', 10);
    assert.equal(h.popDue(9), undefined);
    assert.equal(h.size, 1);
    assert.deepEqual(h.popDue(10), { key: 'a', dueAt: 10 });
    assert.equal(h.popDue(10), undefined);
    assert.equal(h.peek(), undefined);
  });

  it('pops every item of a tie, each once, then the later ones', () => {
    const h = new DueHeap();
    for (const k of ['c', 'a', 'b']) h.set(k, 100);
    h.set('later', 101);
    const first = drain(h, 100);
    assert.deepEqual(first.map(([k]) => k).sort(), ['a', 'b', 'c']);
    assert.ok(first.every(([, t]) => t === 100));
    assert.deepEqual(drain(h, 101), [['later', 101]]);
  });

  it('deleting the minimum makes the next one the minimum', () => {
    const h = new DueHeap();
    h.set('min', 5);
    h.set('next', 7);
    h.delete('min');
    assert.equal(h.has('min'), false);
    assert.equal(h.peek(), 7);
    assert.deepEqual(drain(h, 100), [['next', 7]]);
  });

  it('moving the minimum later pops it at its new time only, once', () => {
    const h = new DueHeap();
    h.set('a', 5);
    h.set('b', 7);
    h.set('a', 9);
    assert.equal(h.dueAt('a'), 9);
    assert.equal(h.size, 2);
    assert.equal(h.peek(), 7);
    assert.deepEqual(drain(h, 8), [['b', 7]]);
    assert.deepEqual(drain(h, 100), [['a', 9]]);
  });

  it('moving an item earlier makes it the minimum, and its old entry never pops', () => {
    const h = new DueHeap();
    h.set('a', 50);
    h.set('b', 20);
    h.set('a', 10);
    assert.equal(h.peek(), 10);
    assert.deepEqual(drain(h, 100), [
      ['a', 10],
      ['b', 20],
    ]);
  });

  it('a key set again after a delete is back, at its new time', () => {
    const h = new DueHeap();
    h.set('a', 5);
    h.delete('a');
    h.set('a', 6);
    assert.deepEqual(drain(h, 5), []);
    assert.deepEqual(drain(h, 6), [['a', 6]]);
  });

  it('stays right through the rebuild that drops stale entries (many moves of few keys)', () => {
    const h = new DueHeap();
    // 3 keys moved 100 times each: well past the 64-entry, 2x-stale rebuild threshold.
    for (let round = 0; round < 100; round++)
      for (const [i, k] of ['x', 'y', 'z'].entries()) h.set(k, 1000 - round * 3 - i);
    assert.equal(h.size, 3);
    assert.deepEqual([h.dueAt('x'), h.dueAt('y'), h.dueAt('z')], [703, 702, 701]);
    assert.deepEqual(drain(h, 10_000), [
      ['z', 701],
      ['y', 702],
      ['x', 703],
    ]);
  });

  it('matches a sorted list over random sets, moves and deletes', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const h = new DueHeap();
    const model = new Map<string, number>();
    for (let step = 0; step < 3000; step++) {
      const key = `k${rand(200)}`;
      if (rand(5) === 0) {
        h.delete(key);
        model.delete(key);
      } else {
        const t = rand(1000);
        h.set(key, t);
        model.set(key, t);
      }
    }
    assert.equal(h.size, model.size);
    const popped = drain(h, 500);
    const expected = [...model].filter(([, t]) => t <= 500).sort((a, b) => a[1] - b[1]);
    assert.deepEqual(
      popped.map(([, t]) => t),
      expected.map(([, t]) => t),
    );
    assert.deepEqual(new Map(popped), new Map(expected));
    assert.equal(h.size, model.size - expected.length);
  });
});
