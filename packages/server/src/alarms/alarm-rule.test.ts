import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alarmsOf, evaluateRule, parseRule, RuleError } from './alarm-rule.js';

describe('composite alarm rules', () => {
  const states: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'> = {
    cpu: 'ALARM',
    'disk-used': 'OK',
    db: 'INSUFFICIENT_DATA',
  };
  const run = (rule: string) => evaluateRule(parseRule(rule), (a) => states[a]);

  it('evaluates functions, NOT, AND before OR, and parentheses', () => {
    assert.equal(run('ALARM(cpu)'), true);
    assert.equal(run('ALARM("disk-used")'), false);
    assert.equal(run('OK(disk-used) AND ALARM(cpu)'), true);
    assert.equal(run('ALARM(disk-used) OR ALARM(cpu) AND OK(cpu)'), false, 'AND binds tighter');
    assert.equal(run('(ALARM(disk-used) OR ALARM(cpu)) AND NOT OK(cpu)'), true);
    assert.equal(run('INSUFFICIENT_DATA(db) and not FALSE'), true);
    assert.deepEqual(alarmsOf(parseRule('ALARM(cpu) OR (OK(db) AND NOT ALARM(cpu))')), ['cpu', 'db']);
  });

  it('says what is wrong with a bad rule', () => {
    const cases: [string, RegExp][] = [
      ['ALARM(cpu', /expected '\)' at the end/],
      ['ALARM(cpu) AND', /ends too soon/],
      ['BROKEN(cpu)', /unexpected 'BROKEN'/],
      ['ALARM(cpu) OK(db)', /unexpected 'OK' after the end/],
      ['ALARM()', /needs an alarm name/],
    ];
    for (const [rule, pattern] of cases)
      assert.throws(
        () => parseRule(rule),
        (e: unknown) => e instanceof RuleError && pattern.test(e.message),
        rule,
      );
  });
});
