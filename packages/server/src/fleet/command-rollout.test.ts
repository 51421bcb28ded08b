import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concurrencyLimit, releasable } from './command-rollout.js';

/** Plays a rollout of `targets` where every released invocation ends before the next step: the sizes released. */
function waves(targets: number, limit: number): number[] {
  const out: number[] = [];
  let released = 0;
  while (released < targets) {
    const n = Math.min(targets - released, releasable(released, 0, limit));
    assert.ok(n > 0, `stuck at ${released}`);
    out.push(n);
    released += n;
  }
  return out;
}

describe('the rollout of a run', () => {
  it('ramps 1, 2, 4 … in waves, each once the one before is done, up to MaxConcurrency', () => {
    assert.deepEqual(waves(8, concurrencyLimit('50%', 8)), [1, 2, 4, 1]);
    assert.deepEqual(waves(1000, 1000).slice(0, 10), [1, 2, 4, 8, 16, 32, 64, 128, 256, 489]);
    assert.deepEqual(waves(5, 2), [1, 2, 2]);
  });

  it('waits for a wave while it is in flight, and opens the window only once the last wave is done', () => {
    assert.equal(releasable(0, 0, 4), 1);
    assert.equal(releasable(1, 1, 4), 0, 'the first wave is in flight');
    assert.equal(releasable(1, 0, 4), 2);
    assert.equal(releasable(3, 2, 4), 0, 'the wave of 2 is in flight: the window does not open yet');
    assert.equal(releasable(3, 1, 4), 0);
    assert.equal(releasable(3, 0, 4), 4);
    assert.equal(releasable(5, 2, 4), 2, 'in the window, one is released as another ends');
    assert.equal(releasable(1, 1, 2), 0, 'MaxConcurrency 2: the second waits for the first');
    assert.equal(releasable(1, 0, 2), 2);
    assert.equal(releasable(2, 2, 2), 0);
  });

  it('a limit of 1 runs one at a time', () => {
    assert.equal(releasable(0, 0, 1), 1);
    assert.equal(releasable(1, 1, 1), 0);
    assert.equal(releasable(1, 0, 1), 1);
  });
});
