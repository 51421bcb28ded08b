import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TocsinEvent } from '@tocsin/protocol';
import { logLinesOf } from './log-lines.js';

const base: TocsinEvent = {
  id: 'e-1',
  topic: 'ops',
  time: 1000,
  kind: 'monitor.down',
  severity: 'warning',
  source: { type: 'monitor', name: 'api', tags: {} },
  title: 'API slow',
  text: '',
  attributes: {},
  dedupKey: 'k',
};

describe('log lines', () => {
  it('makes one line of an event that is not a log match', () => {
    const [line] = logLinesOf({ event: base });
    assert.equal(line.message, 'API slow');
    assert.equal(line.level, 'warn');
    assert.equal(line.source, 'api');
    assert.equal(line.attributes.kind, 'monitor.down');
  });

  it('forwards the samples of a log match, and every event of a group', () => {
    const match: TocsinEvent = {
      ...base,
      kind: 'log.match',
      attributes: {
        rule: 'r',
        group: 'g',
        source: 'fn-a',
        samples: [{ time: '1970-01-01T00:00:02.000Z', message: 'boom', level: 'ERROR', stage: 'prod' }, 'not a record'],
      },
    };
    const lines = logLinesOf({ event: base, group: [match, base] });
    assert.equal(lines.length, 2);
    assert.deepEqual(
      { ...lines[0], attributes: undefined },
      { time: 2000, message: 'boom', level: 'error', source: 'fn-a', group: 'g', stage: 'prod', attributes: undefined },
    );
    assert.deepEqual(lines[0].attributes, { rule: 'r', topic: 'ops' });
    assert.equal(lines[1].message, 'API slow');
  });
});
