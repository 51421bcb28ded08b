import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilterPattern, createFilterEvent } from './filter-pattern.js';
import { compileNode } from './filter-pattern-match.js';
import { parseFilterPattern } from './filter-pattern-parser.js';
import { atFieldStart, compilePreFilter, describePreFilter, regexLiteral } from './filter-pattern-prefilter.js';

const needs = (pattern: string) => describePreFilter(parseFilterPattern(pattern).node);
const anywhere = (text: string) => ({ text, fieldStart: false });
const atStart = (text: string) => ({ text, fieldStart: true });

/** The pre-check may skip a line only when the full test rejects it too; `want` is the full test's answer. */
function agrees(pattern: string, cases: Array<[string, boolean]>): void {
  const { node } = parseFilterPattern(pattern);
  const full = compileNode(node);
  const pre = compilePreFilter(node);
  const compiled = compileFilterPattern(pattern);
  for (const [message, want] of cases) {
    assert.equal(full(createFilterEvent(message)), want, `${pattern} on ${message}: the full test`);
    assert.equal(compiled.matches(createFilterEvent(message)), want, `${pattern} on ${message}: with the pre-check`);
    if (want && pre)
      assert.equal(pre(createFilterEvent(message)), true, `${pattern}: the pre-check skipped ${message}, a match`);
  }
}

describe('filter-pattern pre-check: what it derives', () => {
  it('needs a JSON value, quoted when exact, bare with a wildcard or as a keyword, and its last key', () => {
    const key = (k: string) => [anywhere(`"${k}"`)];
    assert.deepEqual(needs('{ $.level = "error" }'), [[anywhere('"error"')], key('level')]);
    assert.deepEqual(needs('{ $.level = err* && $.m.msg = *out }'), [
      [anywhere('err')],
      key('level'),
      [anywhere('out')],
      key('msg'),
    ]);
    assert.deepEqual(needs('{ $.ok IS TRUE || $.gone IS NULL }'), [
      [anywhere('true'), anywhere('null')],
      [anywhere('true'), anywhere('"gone"')],
      [anywhere('"ok"'), anywhere('null')],
      [anywhere('"ok"'), anywhere('"gone"')],
    ]);
    assert.deepEqual(needs('{ $.flag = "true" }'), [[anywhere('true')], key('flag')], 'a boolean prints bare');
  });
  it('needs only the key from what the value cannot decide', () => {
    for (const [pattern, k] of [
      ['{ $.level != "error" }', 'level'],
      ['{ $.status = 500 }', 'status'],
      ['{ $.status = "500" }', 'status'],
      ['{ $.v = "1.0e2" }', 'v'],
      ['{ $.v = Inf* }', 'v'],
      ['{ $.msg = %E% }', 'msg'],
      ['{ $.msg = %ERROR|WARN% }', 'msg'],
      ['{ $.msg != %ERROR% }', 'msg'],
      ['{ $.n = %50[0-9]% }', 'n'],
      ['{ $.a = * }', 'a'],
      ['{ $.tags[0] > 1 }', 'tags'],
      ['{ $.a.*.b = 1 }', 'b'],
    ]) {
      assert.deepEqual(needs(pattern), [[anywhere(`"${k}"`)]], pattern);
    }
  });
  it('needs a field value at a field start, or anywhere after a leading *', () => {
    assert.deepEqual(needs('[ip, request = *api*, status = 5*]'), [[anywhere('api')], [atStart('5')]]);
    assert.deepEqual(needs('[a = x || a = y, b]'), [[atStart('x'), atStart('y')]]);
  });
  it('needs nothing from what a literal cannot decide', () => {
    for (const pattern of [
      '{ $.level NOT EXISTS }',
      '{ $.a = "x" || $.b NOT EXISTS }',
      '{ $[0] = 1 }',
      '[..., status = 404 || status = 503, bytes]',
      '[a, b != x, c > 5]',
      '[a = %e[rR]%]',
      '[a = 5* || b != x, b]',
    ]) {
      assert.deepEqual(needs(pattern), [], pattern);
      assert.equal(compilePreFilter(parseFilterPattern(pattern).node), undefined, pattern);
    }
  });
  it('needs the longest literal run of a = %regex% value', () => {
    assert.deepEqual(needs('{ $.msg = %timed out after [0-9]+% }'), [
      [anywhere('timed out after ')],
      [anywhere('"msg"')],
    ]);
    assert.deepEqual(needs('[a, b = %ab\\-cd?e%]'), [[anywhere('ab-c')]]);
  });
  it('finds the characters every match of a regex holds', () => {
    const lit = (src: string) => regexLiteral(new RegExp(src).source);
    assert.equal(lit('timed out'), 'timed out');
    assert.equal(lit('^a[0-9]+bcd$'), 'bcd');
    assert.equal(lit('abc?d'), 'ab', 'c is optional');
    assert.equal(lit('abc*'), 'ab');
    assert.equal(lit('abc+d'), 'abc');
    assert.equal(lit('abc{0,3}d'), 'ab');
    assert.equal(lit('abc{2}d'), 'abc');
    assert.equal(lit('x\\.y\\/z\\d+qq'), 'x.y/z');
    assert.equal(lit('ab\\x41cd'), 'ab');
    assert.equal(lit('[abc]{2}de'), 'de');
    assert.equal(lit('ab|cd'), undefined);
    assert.equal(lit('a.b'), undefined, 'runs shorter than 2 give none');
  });
  it('runs no pre-check on terms, whose test is the same includes', () => {
    assert.deepEqual(needs('ERROR -ARGUMENTS %x+%'), [[anywhere('ERROR')]]);
    assert.deepEqual(needs('?ERROR ?WARN'), [[anywhere('ERROR'), anywhere('WARN')]]);
    assert.deepEqual(needs('?ERROR ?%WARN%'), []);
    assert.equal(compilePreFilter(parseFilterPattern('ERROR').node), undefined);
  });
  it('finds a field start at the line start or after a space, tab, newline, [, ] or "', () => {
    for (const m of ['5xx', 'a 5', 'a\t5', 'a\n5', 'a\r5', '[5', '"5', 'x5 5', '[a]5'])
      assert.equal(atFieldStart(m, '5'), true, m);
    for (const m of ['x5', '1.5', 'a-5', '']) assert.equal(atFieldStart(m, '5'), false, m);
  });
});

describe('filter-pattern pre-check: when it runs', () => {
  it('decides a JSON line not yet parsed, and leaves parsed or plainly non-JSON lines to the full test', () => {
    const pre = compilePreFilter(parseFilterPattern('{ $.level = "error" }').node)!;
    const fresh = createFilterEvent('{"level":"info"}');
    assert.equal(pre(fresh), false);
    assert.equal(pre(createFilterEvent(' {"level":"info"}')), false);
    assert.equal(fresh.json !== undefined, true);
    assert.equal(pre(fresh), true, 'parsed by an earlier rule: the walk is cheaper');
    assert.equal(pre(createFilterEvent('{"level":"info"}', { level: 'info' })), true, 'JSON handed in');
    assert.equal(pre(createFilterEvent('level=info')), true, 'no object: the full test says no at once');
  });
  it('passes a message holding a backslash, looked for once per event', () => {
    const pre = compilePreFilter(parseFilterPattern('[a, b = x*]').node)!;
    const event = createFilterEvent('1 \\y');
    assert.equal(event.hasBackslash, true);
    assert.equal(pre(event), true);
    assert.equal(pre(createFilterEvent('1 y')), false);
  });
});

describe('filter-pattern pre-check: never skips a match', () => {
  it('JSON: escapes, numbers printed differently, booleans, OR, !=, NOT EXISTS, IS NULL', () => {
    agrees('{ $.level = "error" }', [
      ['{"level":"error"}', true],
      ['{"level":"\\u0065rror"}', true],
      ['{"level":"info","msg":"error"}', false],
      ['{"level":"errors"}', false],
    ]);
    agrees('{ $.n = "123" }', [
      ['{"n":1.23e2}', true],
      ['{"n":"123"}', true],
    ]);
    agrees('{ $.n = "Infinity" }', [['{"n":1e999}', true]]);
    agrees('{ $.ok = "true" }', [['{"ok":true}', true]]);
    agrees('{ $.level = "error" || $.code NOT EXISTS }', [
      ['{"level":"info"}', true],
      ['{"level":"info","code":1}', false],
    ]);
    agrees('{ $.level != "error" }', [
      ['{"level":"info"}', true],
      ['{"level":"error"}', false],
    ]);
    agrees('{ $.gone IS NULL }', [
      ['{"gone":null}', true],
      ['{"gone":"null"}', false],
    ]);
    agrees('{ $.msg = %[Tt]imed% }', [['{"msg":"Timed out"}', true]]);
    agrees('{ $.path = "/a\\"b" }', [['{"path":"/a\\"b"}', true]]);
    agrees('{ $.status = 500 }', [
      ['{"status":5.0e2}', true],
      ['{"status":"500.0"}', true],
    ]);
  });
  it('space-delimited: brackets, quotes, escaped quotes, the remainder field, ellipses, numbers as 5.0e2', () => {
    agrees('[a, status = 5*, c]', [
      ['x 503 y', true],
      ['x [503] y', true],
      ['x "503 z" y', true],
      ['x 403 y5', false],
      ['x 1.5 y', false],
    ]);
    agrees('[a, b = ab]', [['[5]ab', true]]);
    agrees('[a, b = "q\\"x"]', [['1 "q\\"x"', true]]);
    agrees('[a = ERROR, rest = *timed*]', [
      ['ERROR the task timed out', true],
      ['ERROR all fine', false],
    ]);
    agrees('[a, rest = "[x*"]', [
      ['1 [x y] z', true],
      ['1 [y x] z', false],
    ]);
    agrees('[..., status = 5*, bytes]', [
      ['5 1', true],
      ['a b 599 1', true],
    ]);
    agrees('[a, b = 500]', [
      ['x 5.0e2', true],
      ['x +500', true],
      ['x 500.0', true],
    ]);
    agrees('[a, b != x]', [
      ['1 y', true],
      ['1 x', false],
    ]);
    agrees('[a = x || b = y, b]', [
      ['x 1', true],
      ['1 y', true],
      ['1 2', false],
    ]);
    agrees('[a = %ERR%, b]', [['xERRx 1', true]]);
  });
  it('terms: OR terms and exclusions still decide by the full test', () => {
    agrees('?ERROR ?WARN', [
      ['a WARN', true],
      ['info', false],
    ]);
    agrees('ERROR -ARGUMENTS', [
      ['ERROR x', true],
      ['ERROR ARGUMENTS', false],
    ]);
    agrees('%[Ee]rror% timed', [
      ['Error timed', true],
      ['error', false],
    ]);
  });
  it('extract: skipped lines give undefined, matches their fields', () => {
    const p = compileFilterPattern('[ip, status = 5*]');
    assert.equal(p.extract(createFilterEvent('1.2.3.4 200')), undefined);
    assert.deepEqual(p.extract(createFilterEvent('1.2.3.4 503')), { $ip: '1.2.3.4', $status: '503' });
  });
});

describe('filter-pattern pre-check: random lines', () => {
  it('passes every line the full test matches', () => {
    let x = 11;
    const rand = () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    };
    const pieces = ['5', '503', 'x5', 'ab', '"ab"', '[5', ']', '"', '\\', '\t', ' ', ' ', '{', '}', ':', ',', 'true'];
    const jsonValues = ['"error"', '"err"', '"xerror"', '"\\u0065rror"', 'true', 'null', '5.0e2', '"500"', '"a\\"b"'];
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const n = Math.floor(rand() * 9);
      lines.push(Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]).join(''));
      const v = () => jsonValues[Math.floor(rand() * jsonValues.length)];
      lines.push(`{"level":${v()},"ok":${v()},"n":${v()},"tags":[${v()},${v()}]}`);
      lines.push(`{"\\u006cevel":${v()},"\\u006fk":${v()},"m":{"n":${v()}}}`);
    }
    for (const pattern of [
      '[a, b = 5*]',
      '[a = ab || a = *5, b]',
      '[..., b = "ab"]',
      '{ $.level = "error" }',
      '{ $.level = err* || $.ok IS TRUE }',
      '{ $.ok IS NULL && $.n = "500" }',
      '{ $.tags[*] = "a\\"b" }',
      '{ $.level = *rror }',
      '{ $.level != "error" }',
      '{ $.n > 100 || $.m.n > 100 }',
      '{ $.ok IS TRUE }',
      '{ $.level = %rro% }',
      '{ $.n = %00% }',
      '[..., b = %5[0-9]3%]',
    ]) {
      const { node } = parseFilterPattern(pattern);
      const full = compileNode(node);
      const pre = compilePreFilter(node);
      let matched = 0;
      for (const line of lines) {
        if (!full(createFilterEvent(line))) continue;
        matched++;
        if (pre)
          assert.equal(pre(createFilterEvent(line)), true, `${pattern}: skipped ${JSON.stringify(line)}, a match`);
      }
      assert.ok(matched > 0, `${pattern} matches some lines`);
    }
  });
});
