import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logEventProblem } from '@tocsin/protocol';
import { eventOfShape } from './shape-event.js';

describe('LogEventShape to LogEvent', () => {
  it('maps every field, the level pair split, the group from the shape else the fallback', () => {
    const e = eventOfShape(
      {
        time: 5,
        observedTime: 6,
        group: '/aws/lambda/f',
        stream: 's',
        source: 'f',
        level: { number: 17, text: 'ERROR' },
        message: 'boom',
        attributes: { a: 1 },
        resource: { 'deployment.environment': 'prod' },
      },
      'fallback',
    );
    assert.deepEqual(e, {
      time: 5,
      observedTime: 6,
      group: '/aws/lambda/f',
      stream: 's',
      source: 'f',
      stage: 'prod',
      level: 17,
      levelText: 'ERROR',
      message: 'boom',
      attributes: { a: 1 },
      resource: { 'deployment.environment': 'prod' },
    });
    assert.equal(logEventProblem(e), undefined);
    const bare = eventOfShape({ time: 1, observedTime: 1, message: 'm', attributes: {}, resource: {} }, 'firehose');
    assert.deepEqual([bare.group, bare.level, bare.levelText], ['firehose', 0, '']);
  });
});
