import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchesOf, cutToBytes, sendBatches } from './log-batches.js';

describe('log batches', () => {
  it('splits by entry count and by bytes, counting brackets and commas', () => {
    assert.deepEqual(
      batchesOf([1, 2, 3, 4, 5], () => 1, { maxEntries: 2 }).map((b) => b.length),
      [2, 2, 1],
    );
    // [a,b] is 2 + 3 + 1 + 3 = 9 bytes: a third item of 3 needs 13.
    assert.deepEqual(
      batchesOf(['aaa', 'bbb', 'ccc'], (s) => s.length, { maxBytes: 12 }),
      [['aaa', 'bbb'], ['ccc']],
    );
    assert.deepEqual(batchesOf(['x'.repeat(50), 'y'], (s) => s.length, { maxBytes: 10 }).length, 2, 'too big: alone');
    assert.deepEqual(
      batchesOf([], () => 1),
      [],
    );
  });

  it('stops at the first failing batch and names it', async () => {
    const sent: number[] = [];
    const outcome = await sendBatches([1, 2, 3], async (b) => {
      sent.push(b);
      return b === 2 ? { ok: false, retryable: true, error: 'status 503' } : { ok: true, status: 202 };
    });
    assert.deepEqual(sent, [1, 2]);
    assert.deepEqual(outcome, { ok: false, retryable: true, error: 'batch 2 of 3: status 503' });
  });

  it('cuts text to UTF-8 bytes on a character boundary', () => {
    assert.equal(cutToBytes('héllo', 100), 'héllo');
    assert.equal(cutToBytes('aé'.repeat(10), 4), 'aéa');
    assert.equal(cutToBytes('ééé', 3), 'é');
  });
});
