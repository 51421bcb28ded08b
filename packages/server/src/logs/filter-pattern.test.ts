// The unstructured-term examples of AWS's "Filter pattern syntax for metric filters, subscription filters,
// filter log events, and Live Tail" (current page and its earlier version), matching and not. The regex, JSON
// and space-delimited examples are in filter-pattern-regex, -json-parser and -parser tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilterPattern, createFilterEvent, testFilterPattern } from './filter-pattern.js';

function check(pattern: string, yes: string[], no: string[]): void {
  const p = compileFilterPattern(pattern);
  for (const m of yes) assert.equal(p.matches(createFilterEvent(m)), true, `${pattern} should match ${m}`);
  for (const m of no) assert.equal(p.matches(createFilterEvent(m)), false, `${pattern} should not match ${m}`);
}

const UNSTRUCTURED = [
  '[ERROR 400] BAD REQUEST',
  '[ERROR 401] UNAUTHORIZED REQUEST',
  '[ERROR 419] MISSING ARGUMENTS',
  '[ERROR 420] INVALID ARGUMENTS',
  '[ERROR 500] INTERNAL SERVER ERROR',
  '[INFO] REQUEST FAILED',
  '[WARN] UNAUTHORIZED REQUEST',
  '[INFO 200] SUCCESSFUL REQUEST',
];
const [e400, e401, e419, e420, e500, infoFailed, warnUnauth, info200] = UNSTRUCTURED as [string, ...string[]];

describe('filter patterns: terms in unstructured log events', () => {
  it('matches a single term, case-sensitive, anywhere in the message', () => {
    check('ERROR', [e400, e401, e419, e420, 'Exiting with ERRORCODE: -1'], [infoFailed, 'error: lower case']);
    check('"ERROR"', ['[ERROR] A fatal exception has occurred', 'Exiting with ERRORCODE: -1'], [info200]);
  });
  it('matches multiple terms (all of them, in any order)', () => {
    check('ERROR ARGUMENTS', [e419, e420], [e400, e401]);
    check('ERROR Exception', ['[ERROR] Caught IllegalArgumentException', '[ERROR] Unhandled Exception'], ['ERROR']);
    check(
      'Failed to process the request',
      ['[WARN] Failed to process the request', '[ERROR] Unable to continue: Failed to process the request'],
      ['[WARN] Failed to process'],
    );
  });
  it('matches optional terms, which are ignored beside other terms', () => {
    check('?ERROR ?ARGUMENTS', [e400, e401, e419, e420, 'ARGUMENTS only'], [infoFailed, warnUnauth]);
    check('?ERROR ?ARGUMENTS REQUEST', [infoFailed, warnUnauth, '[ERROR] 400 BAD REQUEST'], [e419]);
    check('?ERROR ?WARN', ['ERROR WARN message', 'ERROR message', 'WARN message'], ['INFO message']);
    check('ERROR WARN', ['ERROR WARN message'], ['ERROR message', 'WARN message']);
    check('?"clean up" ?xyz', ['map clean up', 'xyz'], ['map is cleaned up']);
  });
  it('matches exact phrases', () => {
    check('"INTERNAL SERVER ERROR"', [e500], ['[ERROR 500] INTERNAL SERVER', 'SERVER INTERNAL ERROR']);
    check('"Cloud watch"', ['Cloud watch logs'], ['Cloud logs watch']);
    check('"#Cloud" "#watch"', ['#Cloud #watch'], ['#Cloud watch']);
    check('"say \\"hi\\""', ['they say "hi" here'], ['they say hi']);
  });
  it('includes and excludes terms', () => {
    check('ERROR -ARGUMENTS', [e400, e401], [e419, e420]);
    check('ERROR -WARN', ['ERROR message'], ['ERROR WARN message', 'WARN message']);
    check('"ERROR" - "Exiting"', ['[ERROR] A fatal exception has occurred'], ['Exiting with ERRORCODE: -1']);
    check('-DEBUG', [info200], ['DEBUG on']);
  });
  it('matches everything with an empty pattern, "" and " "', () => {
    for (const pattern of ['', '   ', '""', '" "']) check(pattern, [...UNSTRUCTURED, '', ' '], []);
  });
  it('asks for quotes around terms with other characters, naming the position', () => {
    for (const [pattern, at] of [
      ['#Cloud', 1],
      ['ERROR:', 6],
      ['a {', 3],
      ['"open', 1],
    ] as const) {
      assert.throws(
        () => compileFilterPattern(pattern),
        (e: any) => e.code === 'validation_failed' && e.message.includes(`character ${at}`),
        pattern,
      );
    }
  });
});

describe('filter patterns: testFilterPattern', () => {
  it('answers one boolean per message', () => {
    assert.deepEqual(testFilterPattern('ERROR', ['ERROR a', 'b']), [true, false]);
  });
});
