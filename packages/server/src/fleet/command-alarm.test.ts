import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { FakeFleet } from '../test-support/fake-fleet.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import type { CommandsModule } from './commands-module.js';

for (const variant of await testDatabases()) {
  describe(`the runCommand alarm action through the app on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const fleet = new FakeFleet();
    const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
        commandPorts: { link: fleet, directory: fleet },
      }));
    });
    after(() => dispose());

    it("runs on the alarm's InstanceId host when the alarm goes into ALARM, started by alarm:NAME", async () => {
      fleet.add('i-0abc', { role: 'web' });
      fleet.add('i-0def', { role: 'web' });
      const put = await call(tocsin, 'PUT', '/api/alarms/disk-full', {
        namespace: 'CWAgent',
        metricName: 'disk_used_percent',
        dimensions: { InstanceId: 'i-0abc', path: '/' },
        statistic: 'Average',
        period: '5m',
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 70,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        alarmActions: [{ runCommand: { command: 'journalctl --vacuum-size=200M', executionTimeout: '5m' } }],
      });
      assert.ok(put.status < 300, put.text);
      const set = await call(tocsin, 'PUT', '/api/alarms/disk-full/state', { state: 'ALARM', reason: 'testing' });
      assert.ok(set.status < 300, set.text);
      let runs: { startedBy: string; targets: unknown; id: string }[] = [];
      for (let i = 0; i < 50 && runs.length === 0; i++) {
        await new Promise((r) => setImmediate(r));
        runs = (await call(tocsin, 'GET', '/api/commands')).json.runs;
      }
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.startedBy, 'alarm:disk-full');
      assert.deepEqual(runs[0]!.targets, { agents: ['i-0abc'] });
      assert.equal((runs[0] as { executionTimeout?: number }).executionTimeout, 300_000, "the action's timeout");
      const mod = tocsin.modules.find((m) => m.name === 'commands') as CommandsModule;
      for (let i = 0; i < 10; i++) {
        await tocsin.scheduler.runDue();
        fleet.answer();
        await mod.idle();
      }
      const run = (await call(tocsin, 'GET', `/api/commands/${runs[0]!.id}`)).json;
      assert.equal(run.status, 'Success', run.reason);
      assert.equal(run.invocations.length, 1);
    });
  });
}
