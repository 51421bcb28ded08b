import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Scanner, parseNumber, readQuoted, textValue } from './filter-pattern-syntax.js';

describe('filter-pattern syntax', () => {
  it('reads numbers as documented: signs, decimals, scientific notation', () => {
    for (const [raw, n] of [
      ['400', 400],
      ['+1000', 1000],
      ['-2.5', -2.5],
      ['55.5', 55.5],
      ['10e3', 10_000],
      ['10e-3', 0.01],
      ['1e+3', 1000],
      ['.5', 0.5],
    ] as const) {
      assert.equal(parseNumber(raw), n, raw);
    }
    for (const raw of ['', '1.2.3', '4*', 'e3', '0x10', '1e']) assert.equal(parseNumber(raw), undefined, raw);
  });
  it('turns values into any, numbers or text with wildcards at its ends', () => {
    assert.deepEqual(textValue('*', false), { kind: 'any' });
    assert.deepEqual(textValue('*', true), { kind: 'text', text: '*', leading: false, trailing: false });
    assert.equal(textValue('42', false).kind, 'number');
    assert.equal(textValue('42', true).kind, 'text');
    assert.deepEqual(textValue('*a*b*', false), { kind: 'text', text: 'a*b', leading: true, trailing: true });
  });
  it('reads quoted strings with \\" and \\\\ escapes, and names an unclosed quote', () => {
    const s = new Scanner('"a \\"b\\" \\\\ c" rest');
    assert.equal(readQuoted(s), 'a "b" \\ c');
    assert.equal(s.text.slice(s.pos), ' rest');
    assert.throws(() => readQuoted(new Scanner('"abc')), /character 1 is never closed/);
  });
  it('fails with the 1-based position, what was expected and what was found', () => {
    const s = new Scanner('ab');
    s.pos = 1;
    const e = s.fail("'x'") as any;
    assert.equal(e.code, 'validation_failed');
    assert.equal(e.message, "filter pattern: expected 'x' at character 2, found 'b'");
    assert.deepEqual(e.details, { position: 1, expected: "'x'" });
  });
});
