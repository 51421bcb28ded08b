import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { levelOf } from './log-event-shape.js';

describe('level words', () => {
  it('maps level words of any case to OTLP SeverityNumbers', () => {
    const cases: Array<[unknown, number, string]> = [
      ['TRACE', 1, 'trace'],
      ['debug', 5, 'debug'],
      ['Info', 9, 'info'],
      ['INFORMATION', 9, 'info'],
      ['notice', 10, 'notice'],
      ['WARNING', 13, 'warn'],
      ['warn', 13, 'warn'],
      ['err', 17, 'error'],
      ['ERROR', 17, 'error'],
      ['CRITICAL', 18, 'critical'],
      ['alert', 19, 'alert'],
      ['FATAL', 21, 'fatal'],
      ['emerg', 21, 'emergency'],
    ];
    for (const [word, number, text] of cases) assert.deepEqual(levelOf(word), { number, text }, String(word));
  });

  it("maps pino's and bunyan's numbers", () => {
    assert.deepEqual(
      [10, 20, 30, 40, 50, 60].map((n) => levelOf(n)?.text),
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    );
  });

  it('has no level for anything else', () => {
    for (const v of ['loud', '', 35, null, undefined, {}, 'constructor', 'toString'])
      assert.equal(levelOf(v), undefined);
  });
});
