import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from './group-commit.js';

describe('group commit', () => {
  it('writes items that arrive together in one batch, and the rest in the next', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => i * 2);
    });
    const first = [1, 2, 3].map((i) => gc.submit(i));
    await new Promise((r) => setImmediate(r));
    const second = [4, 5].map((i) => gc.submit(i));
    release();
    assert.deepEqual(await Promise.all([...first, ...second]), [2, 4, 6, 8, 10]);
    assert.deepEqual(batches, [
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('rejects every item of a failed batch and goes on with the next', async () => {
    let fail = true;
    const gc = new GroupCommit<string>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
      return items.map(() => undefined);
    });
    const a = gc.submit('a');
    const b = gc.submit('b');
    await assert.rejects(a, /disk full/);
    await assert.rejects(b, /disk full/);
    await gc.submit('c');
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<number>(async (items) => {
      sizes.push(items.length);
      return items.map(() => undefined);
    }, 10);
    await Promise.all(Array.from({ length: 25 }, (_, i) => gc.submit(i)));
    assert.deepEqual(sizes, [10, 10, 5]);
  });
});
