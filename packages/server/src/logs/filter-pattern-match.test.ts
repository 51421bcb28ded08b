import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilterPattern, compileJsonSelector } from './filter-pattern.js';
import { compileCompare, createFilterEvent, splitFields } from './filter-pattern-match.js';

describe('filter-pattern matching: events', () => {
  it('splits space-delimited fields, keeping [bracketed] and "quoted" text whole', () => {
    const line = '127.0.0.1  - frank [10/Oct/2000:13:25:15 -0700] "GET /a \\"b\\" HTTP/1.0" 200\t1534 ';
    const { values, starts } = splitFields(line);
    const want = ['127.0.0.1', '-', 'frank', '10/Oct/2000:13:25:15 -0700', 'GET /a "b" HTTP/1.0', '200', '1534'];
    assert.deepEqual(values, want);
    assert.equal(starts[1], 11);
    assert.deepEqual(splitFields('').values, []);
    assert.deepEqual(splitFields('[unclosed x').values, ['[unclosed', 'x']);
  });
  it('parses a JSON message once, lazily, and only when it is an object', () => {
    const event = createFilterEvent(' {"a":1}');
    assert.deepEqual(event.json, { a: 1 });
    assert.equal(event.json, event.json);
    assert.equal(createFilterEvent('[1,2]').json, undefined);
    assert.equal(createFilterEvent('{bad').json, undefined);
    const plain = createFilterEvent('a b');
    assert.equal(plain.fields, plain.fields, 'fields are split once');
  });
  it('does not read inherited properties through a selector', () => {
    const p = compileFilterPattern('{ $.constructor = * || $.toString = * }');
    assert.equal(p.matches(createFilterEvent('{"a":1}')), false);
  });
  it('keeps one event usable across patterns of every kind', () => {
    const event = createFilterEvent('{"level":"error","ms":700} took 700', { level: 'error', ms: 700 });
    for (const [pattern, want] of [
      ['{ $.level = "error" && $.ms > 500 }', true],
      ['error', true],
      ['[a, ..., ms > 600]', true],
      ['[a, ..., ms > 900]', false],
    ] as const) {
      assert.equal(compileFilterPattern(pattern).matches(event), want, pattern);
    }
  });
});

describe('filter-pattern matching: comparisons', () => {
  it('compares numbers numerically, numeric strings included, and != negates =', () => {
    const eq = compileCompare('=', { kind: 'number', value: 200, raw: '200' });
    assert.equal(eq(200), true);
    assert.equal(eq('200.0'), true);
    assert.equal(eq('abc'), false);
    assert.equal(compileCompare('!=', { kind: 'number', value: 200, raw: '200' })('abc'), true);
    assert.equal(compileCompare('>', { kind: 'number', value: 1, raw: '1' })('abc'), false);
  });
  it('treats * at the ends as wildcards and a lone * as any value', () => {
    const both = compileCompare('=', { kind: 'text', text: 'html', leading: true, trailing: true });
    assert.equal(both('/index.html?x'), true);
    assert.equal(compileCompare('!=', { kind: 'any' })('x'), false);
    assert.equal(compileCompare('=', { kind: 'text', text: 'true', leading: false, trailing: false })(true), true);
  });
});

describe('filter-pattern matching: selectors', () => {
  it('a pattern reaches the values compileJsonSelector lists, with and without a wildcard', () => {
    const docs = [
      { a: 1, b: { c: 'x', d: [1, 'y', null, { e: true }] }, f: [] },
      { a: null, b: { c: { c: 1 } }, f: ['x'] },
      { b: [{ c: 'x' }, { c: 2 }], a: '1' },
      { b: { d: { 3: { e: 'z' } } } },
    ];
    for (const selector of ['$.a', '$.b.c', '$.b.d[1]', '$.b.d[3].e', '$.b[*].c', '$.b.d[*]', '$.f[0]', '$.b.*.e']) {
      const values = compileJsonSelector(selector);
      const some = compileFilterPattern(`{ ${selector} = * }`);
      const none = compileFilterPattern(`{ ${selector} NOT EXISTS }`);
      const isTrue = compileFilterPattern(`{ ${selector} IS TRUE }`);
      for (const doc of docs) {
        const event = createFilterEvent(JSON.stringify(doc), doc);
        const reached = values(doc);
        const scalar = reached.some((v) => ['string', 'number', 'boolean'].includes(typeof v));
        assert.equal(some.matches(event), scalar, `${selector} = * on ${JSON.stringify(doc)}`);
        assert.equal(none.matches(event), reached.length === 0, `${selector} NOT EXISTS on ${JSON.stringify(doc)}`);
        assert.equal(isTrue.matches(event), reached.includes(true), `${selector} IS TRUE`);
      }
    }
  });
});
