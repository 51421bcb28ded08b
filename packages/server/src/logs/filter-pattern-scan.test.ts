import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileDelimited, createFilterEvent } from './filter-pattern-match.js';
import { parseFilterPattern } from './filter-pattern-parser.js';
import { compileDelimitedScan, compileRangeCompare } from './filter-pattern-scan.js';
import type { DelimitedItem } from './filter-pattern-syntax.js';

const items = (pattern: string) => (parseFilterPattern(pattern).node as { items: DelimitedItem[] }).items;

function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

// Pieces that exercise every tokenizer branch: brackets, quotes with escapes, unclosed ones, tabs, numbers.
const PIECES = ['5', '50', '503', '-7', '+5', '5.0e2', '1.5', 'x', 'ab', 'ERROR', '"a b"', '"q\\"x"', '[5 z]', '[]'];
const SEPARATORS = [' ', ' ', ' ', '  ', '\t', '\n', '\r', ''];
const ODD = ['[', ']', '"', '\\', '*'];

function randomLine(rand: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const parts: string[] = [];
  const n = Math.floor(rand() * 8);
  if (rand() < 0.2) parts.push(pick(SEPARATORS));
  for (let i = 0; i < n; i++) parts.push(rand() < 0.1 ? pick(ODD) : pick(PIECES), pick(SEPARATORS));
  return parts.join('');
}

const PATTERNS = [
  '[a, b = 5*]',
  '[a = 5*, b, c]',
  '[a, b > 10, c]',
  '[a, b != 503]',
  '[a, b = "a b"]',
  '[a, b = "q\\"x"]',
  '[a, b = *b*, c = x || c > 4]',
  '[a, b = %^[0-9]+$%]',
  '[a, b, c = *5]',
  '[a, b = ab && a != x]',
  '[..., b = 5*]',
  '[a = x, ..., c = 5* || c < 0]',
  '[..., a, b]',
  '[...]',
  '[a, ..., b = 503, ...]',
  '[x = *]',
  '[x != *, y]',
  '[a, b = 500]',
];

describe('filter-pattern scan: the direct test agrees with the reference binding', () => {
  it('on 3,000 random lines for each pattern', () => {
    const rand = lcg(7);
    const lines = Array.from({ length: 3000 }, () => randomLine(rand));
    lines.push('', ' ', '5', ' 5 ', '[unclosed 5', '"unclosed 5', 'a [5] 6', 'a "5 x" 6', 'a 5\t', 'a 5.0e2');
    for (const pattern of PATTERNS) {
      const reference = compileDelimited(items(pattern));
      const scan = compileDelimitedScan(items(pattern));
      let matched = 0;
      for (const line of lines) {
        const want = reference.extract(createFilterEvent(line)) !== undefined;
        if (want) matched++;
        if (scan) assert.equal(scan(line), want, `${pattern} on ${JSON.stringify(line)}`);
        assert.equal(reference.test(createFilterEvent(line)), want, `${pattern} on ${JSON.stringify(line)}`);
      }
      assert.ok(matched > 0 || pattern === '[x != *, y]', `${pattern} matches some lines`);
    }
  });
  it('leaves two or more ellipses to the reference', () => {
    assert.equal(compileDelimitedScan(items('[a, ..., b, ...]')), undefined);
    assert.notEqual(compileDelimitedScan(items('[..., b]')), undefined);
  });
  it('grows its token buffer for long lines', () => {
    const scan = compileDelimitedScan(items('[..., last = end]'))!;
    const line = `${Array.from({ length: 500 }, (_, i) => `t${i}`).join(' ')} end`;
    assert.equal(scan(line), true);
    assert.equal(scan(`${line}s`), false);
  });
});

describe('filter-pattern scan: comparisons on a range', () => {
  it('reads integers in place and other numbers as parseNumber does', () => {
    const eq = compileRangeCompare('=', { kind: 'number', value: 500, raw: '500' });
    for (const v of ['500', '+500', '500.0', '5.0e2', '5e2']) assert.equal(eq(`x ${v} y`, 2, 2 + v.length), true, v);
    for (const v of ['', '-', '50x', '5 00', '1234567890123456789'])
      assert.equal(eq(`x ${v} y`, 2, 2 + v.length), false);
    const neg = compileRangeCompare('<', { kind: 'number', value: 0, raw: '0' });
    assert.equal(neg('-3', 0, 2), true);
    assert.equal(compileRangeCompare('!=', { kind: 'number', value: 1, raw: '1' })('abc', 0, 3), true);
  });
  it('compares text in place, never past the range', () => {
    const text = (t: string, leading: boolean, trailing: boolean) =>
      compileRangeCompare('=', { kind: 'text', text: t, leading, trailing });
    assert.equal(text('ab', false, false)('xaby', 1, 3), true);
    assert.equal(text('ab', false, false)('xabc', 1, 4), false);
    assert.equal(text('ab', true, true)('ab xxab', 2, 5), false, 'a later occurrence outside the range');
    assert.equal(text('b', true, false)('abc', 0, 2), true);
    assert.equal(text('c', true, false)('abc', 0, 2), false);
    assert.equal(text('a', false, true)('xab', 1, 3), true);
  });
});
