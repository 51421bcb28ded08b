import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PRIVAL, facilityNames, priorityOf, privalOf, severityLevels } from './syslog-priority.js';

describe('syslog priority', () => {
  it('splits PRI into facility and severity (RFC 5424 §6.2.1 examples)', () => {
    assert.deepEqual(priorityOf(0), { facility: 0, severity: 0 }); // kernel emergency
    assert.deepEqual(priorityOf(165), { facility: 20, severity: 5 }); // local4 notice
    assert.deepEqual(priorityOf(34), { facility: 4, severity: 2 });
    assert.deepEqual(priorityOf(191), { facility: 23, severity: 7 });
    assert.deepEqual(priorityOf(DEFAULT_PRIVAL), { facility: 1, severity: 5 });
  });

  it('reads PRIVAL digits: 0–191, no leading zeros', () => {
    assert.deepEqual(['0', '7', '34', '191'].map(privalOf), [0, 7, 34, 191]);
    for (const bad of ['', '00', '034', '192', '999', '1000', '-1', 'x', '1 '])
      assert.equal(privalOf(bad), undefined, bad);
  });

  it('names 24 facilities and 8 severities with OTLP numbers in order', () => {
    assert.equal(facilityNames.length, 24);
    assert.deepEqual(
      [facilityNames[4], facilityNames[10], facilityNames[16], facilityNames[23]],
      ['auth', 'authpriv', 'local0', 'local7'],
    );
    const numbers = severityLevels.map((l) => l.number);
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => b - a),
    );
    assert.ok(numbers.every((n) => n >= 1 && n <= 24));
  });
});
