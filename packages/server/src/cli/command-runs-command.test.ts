import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listQuery, runBody } from './command-runs-command.js';

describe('tocsin command run flags', () => {
  it('tags AND by key, OR by value; expected, concurrency share, errors, timeout and topics pass through', () => {
    const body = runBody(
      {
        tag: ['role=web', 'env=prod|stage'],
        expected: '5',
        'max-concurrency': '50%',
        'max-errors': '1',
        timeout: '10m',
        topic: ['ops'],
      },
      ['systemctl', 'reload', 'nginx'],
    );
    assert.deepEqual(body, {
      command: 'systemctl reload nginx',
      targets: { tags: { role: 'web', env: ['prod', 'stage'] } },
      expected: 5,
      maxConcurrency: '50%',
      maxErrors: 1,
      executionTimeout: '10m',
      topics: ['ops'],
    });
    assert.deepEqual(runBody({ agent: ['a1'], group: 'g' }, ['uptime']), {
      command: 'uptime',
      targets: { agents: ['a1'] },
      group: 'g',
    });
  });

  it('says what is missing or wrong', () => {
    assert.throws(() => runBody({ tag: ['role=web'] }, []), /give the command after --/);
    assert.throws(() => runBody({}, ['uptime']), /give --tag KEY=VALUE, --agent ID or --group NAME/);
    assert.throws(() => runBody({ tag: ['role'] }, ['uptime']), /--tag 'role' is not key=value/);
    assert.throws(() => runBody({ tag: ['a=b'], expected: '5%' }, ['x']), /--expected '5%' is not a number/);
  });

  it('list: by agent and status, 20 by default', () => {
    assert.equal(listQuery({}), 'limit=20');
    assert.equal(listQuery({ agent: 'a 1', status: 'Failed', limit: '5' }), 'limit=5&agent=a+1&status=Failed');
  });
});
