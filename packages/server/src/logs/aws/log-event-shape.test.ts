import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { levelOf } from './log-event-shape.js';

describe('level words', () => {
  it('maps level words of any case to the protocol severityOf numbers, keeping the text as written', () => {
    const cases: Array<[unknown, number, string]> = [
      ['TRACE', 1, 'TRACE'],
      ['debug', 5, 'debug'],
      ['Info', 9, 'Info'],
      ['INFORMATION', 9, 'INFORMATION'],
      ['notice', 10, 'notice'],
      ['WARNING', 13, 'WARNING'],
      ['warn', 13, 'warn'],
      ['err', 17, 'err'],
      ['ERROR', 17, 'ERROR'],
      ['CRITICAL', 18, 'CRITICAL'],
      ['alert', 19, 'alert'],
      ['FATAL', 21, 'FATAL'],
      ['emerg', 21, 'emerg'],
      ['ERROR2', 18, 'ERROR2'],
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
    for (const v of ['loud', '', 35, null, undefined, {}, 'constructor', 'toString', '17'])
      assert.equal(levelOf(v), undefined);
  });
});
