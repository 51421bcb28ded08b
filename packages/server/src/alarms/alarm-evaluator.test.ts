import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  breaches,
  evaluate,
  type AlarmState,
  type ComparisonOperator,
  type TreatMissingData,
} from './alarm-evaluator.js';

const T0 = Date.UTC(2026, 10, 22, 10, 0);

/** `0 - X - X`: 0 not breaching, X breaching, - missing; oldest first, as AWS's tables print them. */
function range(pattern: string) {
  return pattern.split(' ').map((c, i) => ({ start: T0 + i * 300_000, value: c === '-' ? null : c === 'X' ? 100 : 0 }));
}

function decide(pattern: string, m: number, n: number, treat: TreatMissingData, current: AlarmState = 'OK'): string {
  const e = evaluate(
    {
      evaluationPeriods: n,
      datapointsToAlarm: m,
      threshold: 50,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: treat,
    },
    range(pattern),
    current,
  );
  return e.retained ? 'retain' : e.state;
}

const modes: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

describe('alarm evaluation: AWS worked examples of missing data', () => {
  // Datapoints to alarm 3, evaluation periods 3, evaluation range 5.
  const threeOfThree: [string, string[]][] = [
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - X - -', ['ALARM', 'retain', 'ALARM', 'OK']],
  ];
  for (const [pattern, expected] of threeOfThree) {
    it(`3 of 3: ${pattern}`, () =>
      assert.deepEqual(
        modes.map((m) => decide(pattern, 3, 3, m)),
        expected,
      ));
  }
  // Datapoints to alarm 2, evaluation periods 3 (M of N), evaluation range 5.
  const twoOfThree: [string, string[]][] = [
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - X -', ['ALARM', 'retain', 'ALARM', 'OK']],
  ];
  for (const [pattern, expected] of twoOfThree) {
    it(`2 of 3: ${pattern}`, () =>
      assert.deepEqual(
        modes.map((m) => decide(pattern, 2, 3, m)),
        expected,
      ));
  }
  it('keeps the current state with ignore, whatever it is', () => {
    assert.equal(
      evaluate(
        {
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          threshold: 1,
          comparisonOperator: 'GreaterThanThreshold',
          treatMissingData: 'ignore',
        },
        range('- - - - -'),
        'ALARM',
      ).state,
      'ALARM',
    );
  });
});

describe('alarm evaluation: M of N with gaps and operators', () => {
  it('counts breaching datapoints that are not consecutive', () => {
    assert.equal(decide('X 0 X', 2, 3, 'missing'), 'ALARM');
    assert.equal(decide('X 0 0 X 0', 2, 4, 'missing'), 'OK');
    assert.equal(decide('X 0 X 0 X', 3, 5, 'missing'), 'ALARM');
  });
  it('compares as each operator says, at the threshold itself too', () => {
    const table: [ComparisonOperator, number, boolean][] = [
      ['GreaterThanOrEqualToThreshold', 70, true],
      ['GreaterThanOrEqualToThreshold', 69.9, false],
      ['GreaterThanThreshold', 70, false],
      ['GreaterThanThreshold', 70.1, true],
      ['LessThanThreshold', 70, false],
      ['LessThanThreshold', 69, true],
      ['LessThanOrEqualToThreshold', 70, true],
      ['LessThanOrEqualToThreshold', 71, false],
    ];
    for (const [op, v, expected] of table) assert.equal(breaches(op, v, 70), expected, `${op} ${v}`);
  });
  it('states its reason in words and data, as CloudWatch does', () => {
    const e = evaluate(
      {
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 70,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'missing',
      },
      [
        { start: Date.UTC(2026, 10, 22, 10, 0), value: 75.2 },
        { start: Date.UTC(2026, 10, 22, 10, 5), value: 71 },
      ],
      'OK',
    );
    assert.equal(e.state, 'ALARM');
    assert.equal(
      e.reason,
      'Threshold Crossed: 2 out of the last 2 datapoints [71.0 (22/11/26 10:05:00), 75.2 (22/11/26 10:00:00)] ' +
        'were greater than or equal to the threshold (70.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
  });
});
