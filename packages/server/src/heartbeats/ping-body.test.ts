import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pingBodyText } from './ping-body.js';

describe('ping bodies', () => {
  it('keeps text as it is, and no body as null', () => {
    assert.deepEqual(pingBodyText(Buffer.from('disk 71% full'), 100), {
      body: 'disk 71% full',
      bodyTruncated: false,
      bodyNulsReplaced: false,
    });
    assert.deepEqual(pingBodyText(Buffer.alloc(0), 100), { body: null, bodyTruncated: false, bodyNulsReplaced: false });
    assert.deepEqual(pingBodyText(null, 100), { body: null, bodyTruncated: false, bodyNulsReplaced: false });
  });
  it('replaces NUL bytes by U+FFFD and says so', () => {
    assert.deepEqual(pingBodyText(Buffer.from('a\0b\0'), 100), {
      body: 'a\uFFFDb\uFFFD',
      bodyTruncated: false,
      bodyNulsReplaced: true,
    });
  });
  it('cuts at the limit in bytes; a NUL beyond it is not counted', () => {
    assert.deepEqual(pingBodyText(Buffer.from('abcdef\0'), 4), {
      body: 'abcd',
      bodyTruncated: true,
      bodyNulsReplaced: false,
    });
    assert.deepEqual(pingBodyText(Buffer.from([0x61, 0xe9, 0x62]), 10).body, 'a\uFFFDb');
  });
});
