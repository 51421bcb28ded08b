import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alarmInputSchema, type AlarmSpec, type CommandRunInput } from '@tocsin/protocol';
import { runCommandBody, startRuns } from './alarm-actions.js';

const spec = (actions: unknown[], dimensions: Record<string, string> = { InstanceId: 'i-0abc' }) =>
  alarmInputSchema.parse({
    name: 'disk-full',
    namespace: 'CWAgent',
    metricName: 'disk_used_percent',
    dimensions,
    statistic: 'Average',
    period: '5m',
    evaluationPeriods: 2,
    threshold: 70,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    alarmActions: actions,
  }) as AlarmSpec;

describe('the runCommand alarm action', () => {
  it("without targets runs on the alarm's InstanceId host; with them, on those", () => {
    const s = spec([{ runCommand: { command: 'journalctl --vacuum-size=200M' } }]);
    const a = s.alarmActions[0] as { runCommand: { command: string } };
    assert.deepEqual(runCommandBody(s, a.runCommand, s.name)?.targets, { agents: ['i-0abc'] });
    const t = runCommandBody(s, { command: 'x', targets: { tags: { role: 'web' } }, expected: 3 }, s.name);
    assert.deepEqual(t?.targets, { tags: { role: 'web' } });
    assert.equal(t?.expected, 3);
    assert.equal(runCommandBody(spec([], {}), { command: 'x' }, 'disk-full'), undefined);
  });

  it('starts the run after the transition, as alarm:NAME; one with no target is logged, not started', async () => {
    const started: { body: CommandRunInput; by: string }[] = [];
    const warnings: string[] = [];
    const sinks = {
      startRun: async (body: CommandRunInput, by: string) => started.push({ body, by }),
    } as unknown as Parameters<typeof startRuns>[0];
    const s = spec([{ runCommand: { command: 'systemctl restart app', maxConcurrency: 1 } }, { topic: 'ops' }]);
    startRuns(sinks, s, s.alarmActions, (m) => warnings.push(m));
    startRuns(sinks, spec([], {}), [{ runCommand: { command: 'x' } }], (m) => warnings.push(m));
    assert.equal(started.length, 1);
    assert.equal(started[0]!.by, 'alarm:disk-full');
    assert.equal(started[0]!.body.command, 'systemctl restart app');
    assert.equal(started[0]!.body.maxConcurrency, 1);
    assert.match(warnings[0]!, /no target/);
  });

  it('a bad action is a 400-style issue naming runCommand', () => {
    const r = alarmInputSchema.safeParse({ ...spec([]), alarmActions: [{ runCommand: { command: '' } }] });
    assert.equal(r.success, false);
  });
});
