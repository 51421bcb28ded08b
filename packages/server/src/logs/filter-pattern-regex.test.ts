// The regex examples of AWS's filter-pattern documentation ("Supported regular expressions (regex) syntax"),
// matching and not, and the characters the subset refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilterPattern, createFilterEvent } from './filter-pattern.js';

function check(pattern: string, yes: string[], no: string[]): void {
  const p = compileFilterPattern(pattern);
  for (const m of yes) assert.equal(p.matches(createFilterEvent(m)), true, `${pattern} should match ${m}`);
  for (const m of no) assert.equal(p.matches(createFilterEvent(m)), false, `${pattern} should not match ${m}`);
}

describe('filter patterns: regex (the documented subset)', () => {
  it('matches the documented operator examples', () => {
    const authorized = ['[ERROR 401] UNAUTHORIZED REQUEST', '[SUCCESS 200] AUTHORIZED REQUEST'];
    check('%AUTHORIZED%', authorized, ['[ERROR 400] BAD']);
    check('%^[hc]at%', ['hat trick', 'cat'], ['that', 'a cat']);
    check('%[hc]at$%', ['a hat', 'cat'], ['cats', 'hat trick']);
    check('%colou?r%', ['color', 'colour'], ['colr', 'coloor']);
    check('%[abc]%', ['a', 'b', 'c'], ['xyz']);
    check('%[a-z]%', ['Hello'], ['ABC 123']);
    check('%[abcx-z]%', ['a', 'y', 'z'], ['d', 'w']);
    check('%a{3,5}%', ['aaa', 'aaaa', 'aaaaa'], ['aa', 'a a a']);
    check('%a{3, 5}%', ['aaa'], ['aa']);
    check('%a{,2}b%', ['b', 'aab'], ['c']);
    check('%gra|ey%', ['gray', 'grey'], ['green']);
    check(
      '%^starting|^initializing|^shutting down%',
      ['starting server', 'initializing db', 'shutting down'],
      ['skipping initializing cache'],
    );
    check('%abcc|ab[^c]$%', ['abcc ...', 'aba'], ['aac ...']);
    check('%\\[.\\]%', ['[a]', '[b]', '[7]', '[@]', '[]]', '[ ]'], ['[ab]', 'a']);
    check('%10\\.10\\.0\\.1%', ['host 10.10.0.1 up'], ['10010,051']);
    check('%10.10.0.1%', ['10010,051', '10.10.0.1'], ['10.10.0.2']);
    check('%ab*c%', ['ac', 'abc', 'abbbc'], ['abd']);
    check('%ab[0-9]*%', ['ab', 'ab0', 'ab129'], ['a b']);
    check('%ab+c%', ['abc', 'abbc', 'abbbc'], ['ac']);
    check('%.at%', ['hat', 'cat', 'bat', '4at', '#at', ' at'], ['at']);
    check('%\\d%', ['a1'], ['abc']);
    check('%^\\D+$%', ['abc'], ['a1']);
    check('%a\\sb%', ['a b', 'a\tb', 'a\nb'], ['ab']);
    check('%^\\S+$%', ['ab'], ['a b']);
    check('%^\\w+$%', ['a_Z9'], ['a-b']);
    check('%\\W%', ['a-b'], ['a_b']);
    check('%a[\\s,]b%', ['a b', 'a,b', 'a\tb'], ['ab', 'a;b']);
    check('%\\x3A%', ['key:value'], ['key=value']);
    check('%\\x28%', ['f(x)'], ['fx']);
    check('%key=value; path=/a,b-c#x@y:z%', ['key=value; path=/a,b-c#x@y:z'], ['key=value']);
  });
  it('rejects what the subset leaves out, naming the position', () => {
    for (const [pattern, at] of [
      ['%something!%', 11],
      ['%(a)%', 2],
      ['%é%', 2],
      ['%\\q%', 2],
      ['%\\x4%', 2],
      ['%a{x}%', 3],
      ['%abc', 1],
      ['%%', 1],
    ] as const) {
      assert.throws(
        () => compileFilterPattern(pattern),
        (e: any) => e.code === 'validation_failed' && e.message.includes(`character ${at}`),
        pattern,
      );
    }
  });
});
