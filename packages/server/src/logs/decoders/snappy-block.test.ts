import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSnappyBlock, SnappyError, snappyLength } from './snappy-block.js';

const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** A block of literals only, as the simplest valid encoder writes it (60 bytes or fewer per literal). */
function literalsBlock(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let n = data.length;
  const pre: number[] = [];
  do {
    pre.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  parts.push(Buffer.from(pre));
  for (let i = 0; i < data.length; i += 60) {
    const chunk = data.subarray(i, i + 60);
    parts.push(Buffer.from([(chunk.length - 1) << 2]), chunk);
  }
  return Buffer.concat(parts);
}

describe('snappy block', () => {
  it('reads the length preamble as the format description gives it', () => {
    assert.deepEqual(snappyLength(Buffer.from([0x40])), { length: 64, start: 1 });
    assert.deepEqual(snappyLength(Buffer.from([0xfe, 0xff, 0x7f])), { length: 2097150, start: 3 });
    assert.throws(() => snappyLength(Buffer.from([0x80, 0x80])), SnappyError);
    assert.throws(() => snappyLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])), /2\^32/);
  });

  it('decodes the description\'s "xababab": a literal and an overlapping copy', () => {
    // <literal: "xab"> <copy: offset=2 length=4>, in each of the three copy encodings.
    const copy1 = bytes([7, 0x08], 'xab', [0x01, 0x02]);
    const copy2 = bytes([7, 0x08], 'xab', [0x0e, 0x02, 0x00]);
    const copy4 = bytes([7, 0x08], 'xab', [0x0f, 0x02, 0x00, 0x00, 0x00]);
    for (const block of [copy1, copy2, copy4]) assert.equal(decodeSnappyBlock(block).toString(), 'xababab');
  });

  it('decodes long literals, far copies and runs', () => {
    const text = Buffer.from('0123456789'.repeat(30));
    assert.deepEqual(decodeSnappyBlock(literalsBlock(text)), text);
    // A 300-byte literal whose len-1 (299) takes two bytes (tag 61<<2), then a copy of 64 from 300 back (2-byte).
    const lit = bytes([0x80 + (364 & 0x7f), 364 >> 7], [61 << 2, 299 & 0xff, 299 >> 8], text.toString('latin1'), [
      (63 << 2) | 2,
      300 & 0xff,
      300 >> 8,
    ]);
    assert.equal(decodeSnappyBlock(lit).toString(), text.toString() + text.subarray(0, 64).toString());
    // One byte then a run: copy1 with offset 1, length 11, twice.
    const run = bytes([23, 0x00], 'z', [(7 << 2) | 1, 1, (7 << 2) | 1, 1]);
    assert.equal(decodeSnappyBlock(run).toString(), 'z'.repeat(23));
    // A copy1 offset's upper three bits sit in the tag: offset 0x105 after 300 bytes.
    const high = bytes([0x80 + (304 & 0x7f), 304 >> 7], [61 << 2, 299 & 0xff, 299 >> 8], text.toString('latin1'), [
      (1 << 5) | 1,
      0x05,
    ]);
    assert.equal(decodeSnappyBlock(high).subarray(300).toString(), text.subarray(300 - 0x105, 304 - 0x105).toString());
    assert.equal(decodeSnappyBlock(Buffer.from([0])).length, 0, 'an empty block');
  });

  it('refuses corrupt blocks', () => {
    const cases: [Buffer, RegExp][] = [
      [bytes([4, 0x01, 0x01]), /offset/],
      [bytes([8, 0x00], 'a', [0x01, 0x00]), /offset 0/],
      [bytes([8, 0x00], 'a', [0x01, 0x02]), /offset 2/],
      [bytes([3, 0x08], 'ab'), /past the end/],
      [bytes([2, 0x08], 'abc'), /declared length/],
      [bytes([5, 0x08], 'abc'), /3 bytes decoded, 5 declared/],
      [bytes([9, 0x08], 'abc', [0x0d, 0x01]), /declared length/],
      [bytes([9, 0x08], 'abc', [0x0e]), /truncated copy/],
      [bytes([9, 0xf0]), /truncated literal length/],
    ];
    for (const [block, message] of cases) assert.throws(() => decodeSnappyBlock(block), message);
    assert.throws(() => decodeSnappyBlock(bytes([0x80, 0x80, 0x04]), 1000), /more than 1000/);
    assert.throws(() => decodeSnappyBlock(bytes([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61])), /cannot hold/);
    // At the densest: one literal byte, then copies of 64 from offset 1, each 3 bytes.
    const dense = bytes(
      [0x80 + ((1 + 64 * 20) & 0x7f), (1 + 64 * 20) >> 7, 0x00],
      'a',
      ...Array(20).fill([0xfe, 1, 0]),
    );
    assert.equal(decodeSnappyBlock(dense).toString(), 'a'.repeat(1 + 64 * 20));
  });
});
