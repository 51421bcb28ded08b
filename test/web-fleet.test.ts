/**
 * The fleet pages' pure helpers, on Node: the Run command form's values to a body that commandRunInputSchema
 * accepts (tags as rows, a value with `|` a list; agent ids; expected or group; limits left out when empty), the
 * schema naming what was typed wrong at its field, and a run's verdict in words when the server gives none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandRunInputSchema } from '@tocsin/protocol';
import {
  type CommandRun,
  type Invocation,
  targetsText,
  verdictReason,
  withCurrentCounts,
} from '../packages/web/src/pages/command-verdict.js';
import { runBody, runFormInitial, selectorOf, tagRowsOf } from '../packages/web/src/pages/command-run-form-values.js';

const rows = (r: { key: string; value: string }[]) => JSON.stringify(r);

describe('web run-command form', () => {
  it('turns tag rows, expected and limits into a body the schema accepts', () => {
    const body = runBody({
      ...runFormInitial,
      command: ' uptime ',
      tags: rows([
        { key: 'role', value: 'web' },
        { key: 'env', value: 'prod | stage' },
        { key: '', value: 'ignored' },
      ]),
      expected: '2',
      maxConcurrency: '50%',
      maxErrors: '1',
      executionTimeout: '5m',
      topics: 'ops, audit',
    });
    assert.deepEqual(body, {
      command: 'uptime',
      targets: { tags: { role: 'web', env: ['prod', 'stage'] } },
      expected: 2,
      maxConcurrency: '50%',
      maxErrors: 1,
      executionTimeout: '5m',
      topics: ['ops', 'audit'],
    });
    const parsed = commandRunInputSchema.safeParse(body);
    assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.error.issues));
    assert.equal(parsed.data.executionTimeout, 300_000);
  });

  it('targets agent ids, with a group or the targets found as the expected count', () => {
    const byGroup = runBody({
      ...runFormInitial,
      command: 'id',
      targetBy: 'agents',
      agents: 'a1, a2',
      expectBy: 'group',
      group: 'web',
    });
    assert.deepEqual(byGroup.targets, { agents: ['a1', 'a2'] });
    assert.equal(byGroup.group, 'web');
    assert.equal('expected' in byGroup, false);
    assert.ok(commandRunInputSchema.safeParse(byGroup).success);
    const found = runBody({ ...runFormInitial, command: 'id', targetBy: 'agents', agents: 'a1', expectBy: 'targets' });
    assert.equal('expected' in found || 'group' in found, false);
    assert.ok(commandRunInputSchema.safeParse(found).success);
  });

  it('leaves mistakes for the schema to name at their field', () => {
    const paths = (v: typeof runFormInitial) => {
      const r = commandRunInputSchema.safeParse(runBody(v));
      assert.equal(r.success, false);
      return r.success ? [] : [...new Set(r.error.issues.map((i) => i.path[0]))];
    };
    assert.deepEqual(paths({ ...runFormInitial, command: 'ls', tags: rows([]), expected: '1' }), ['targets']);
    assert.deepEqual(paths({ ...runFormInitial, command: 'ls', tags: rows([{ key: 'a', value: 'b' }]) }), ['expected']);
    assert.deepEqual(
      paths({
        ...runFormInitial,
        command: 'ls',
        tags: rows([{ key: 'a', value: 'b' }]),
        expected: '1',
        maxErrors: 'x',
      }),
      ['maxErrors'],
    );
    assert.deepEqual(paths({ ...runFormInitial, tags: rows([{ key: 'a', value: 'b' }]), expected: '1' }), ['command']);
  });

  it('reads rows back, and ignores a broken value', () => {
    assert.deepEqual(tagRowsOf('not json'), []);
    assert.deepEqual(selectorOf(tagRowsOf(rows([{ key: ' k ', value: ' v ' }]))), { k: 'v' });
  });
});

describe('web run verdict', () => {
  const run = (r: Partial<CommandRun>): CommandRun => ({
    id: 'r1',
    command: 'uptime',
    targets: { tags: { role: 'web' } },
    expected: 3,
    status: 'Failed',
    counts: {},
    createdAt: '2026-12-03T10:00:00.000Z',
    ...r,
  });

  it('counts the missing hosts when the server gives no reason', () => {
    assert.equal(verdictReason(run({ counts: { Success: 2 } })), '2 of 3 expected hosts succeeded: 1 missing');
    assert.equal(
      verdictReason(run({ expected: 5, counts: { Success: 3, Failed: 1 } })),
      '3 of 5 expected hosts succeeded: 1 failed, 1 missing',
    );
    assert.equal(
      verdictReason(run({ status: 'Success', expected: 2, counts: { Success: 2 } })),
      '2 of 2 expected hosts succeeded',
    );
    assert.equal(verdictReason(run({ reason: 'cancelled by ada' })), 'cancelled by ada');
  });

  it('while the run goes, hosts not answered yet are pending, not missing; missing once it ended', () => {
    const going = run({ status: 'InProgress', expected: 4, counts: { Success: 1, Failed: 1, InProgress: 1 } });
    assert.equal(verdictReason(going), '1 of 4 expected hosts succeeded so far: 1 failed, 1 running, 1 pending');
    assert.equal(
      verdictReason(run({ status: 'InProgress', counts: {} })),
      '0 of 3 expected hosts succeeded so far: 3 pending',
    );
    assert.equal(
      verdictReason(run({ status: 'InProgress', counts: { Success: 1, Pending: 1, Delivering: 1 } })),
      '1 of 3 expected hosts succeeded so far: 2 pending',
    );
    assert.doesNotMatch(verdictReason(going), /missing/);
    assert.equal(
      verdictReason({ ...going, status: 'Failed', counts: { Success: 1, Failed: 1, TimedOut: 1 } }),
      '1 of 4 expected hosts succeeded: 2 failed, 1 missing',
    );
  });

  it('counts a run in progress from its hosts (the server counts a run once it ended)', () => {
    const host = (hostname: string, status: Invocation['status']): Invocation => ({
      id: `i-${hostname}`,
      agentId: hostname,
      hostname,
      status,
      exitCode: null,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      startedAt: null,
      endedAt: null,
    });
    const invocations = [host('a', 'Success'), host('b', 'InProgress'), host('c', 'Pending')];
    const going = withCurrentCounts({ ...run({ status: 'InProgress', counts: {} }), invocations });
    assert.deepEqual(going.counts, { Success: 1, InProgress: 1, Pending: 1 });
    assert.equal(verdictReason(going), '1 of 3 expected hosts succeeded so far: 1 running, 1 pending');
    const ended = { ...run({ counts: { Success: 2 } }), invocations };
    assert.equal(withCurrentCounts(ended), ended, "an ended run keeps the server's counts");
  });

  it('says what the targets were', () => {
    assert.equal(targetsText({ tags: { role: 'web', env: ['prod', 'stage'] } }), 'role=web,env=prod|stage');
    assert.equal(targetsText({ agents: ['a', 'b'] }), '2 agents');
  });
});
