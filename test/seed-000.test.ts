import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../packages/server/src/app.js';
import { FakeClock } from '../packages/server/src/core/clock.js';
import { loadConfigFile } from '../packages/server/src/config/config-loader.js';
import { HttpReceiver } from '../packages/server/src/test-support/http-receiver.js';
import { call, createTestApp } from '../packages/server/src/test-support/test-app.js';
import { testDatabases } from '../packages/server/src/test-support/test-databases.js';
import { repoRoot } from './support/server-process.js';

const MIN = 60_000;

for (const variant of await testDatabases()) {
  describe(`seed 000's alarms from examples/seed-000.yaml on ${variant.name}`, () => {
    let targets: HttpReceiver;
    let hooks: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const down = new Set<string>();

    before(async () => {
      targets = await new HttpReceiver().start();
      targets.respond = (req) => (down.has(req.path) ? { status: 503 } : { status: 200, body: 'ok' });
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 10, 23, 0, 0, 30));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      const loaded = loadConfigFile(path.join(repoRoot, 'examples/seed-000.yaml'), {
        WEB_1_URL: `${targets.url}/web-1`,
        WEB_2_URL: `${targets.url}/web-2`,
        RECOVERY_HOOK: `${hooks.url}/recover`,
      });
      assert.ok(loaded.ok, 'the example loads');
      const applied = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
      assert.equal(applied.changes.length, 1 + 2 + 1 + 3);
      // A webhook beside the (pending) e-mail address lets the test read what ops-alerts sends.
      await call(tocsin, 'POST', '/api/topics/ops-alerts/subscriptions', {
        protocol: 'webhook',
        name: 'test-hook',
        endpoint: `${hooks.url}/ops`,
      });
    });
    after(async () => {
      await dispose();
      await targets.stop();
      await hooks.stop();
    });

    const alerts = () => hooks.requests.filter((r) => r.path === '/ops').map((r) => r.json().event);
    const put = (name: string, dims: Record<string, string>, value: number) =>
      call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'Tocsin/Host',
        MetricData: [
          {
            MetricName: name,
            Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
            Value: value,
          },
        ],
      });
    async function minutes(n: number, each?: () => Promise<unknown>): Promise<void> {
      for (let i = 0; i < n; i++) {
        if (each) await each();
        await tocsin.metricsStore.drain();
        clock.advance(MIN);
        await tocsin.scheduler.runDue();
        await tocsin.metricsStore.drain();
        await tocsin.outbox.runOnce();
      }
    }
    const state = (name: string) => tocsin.alarms.get(name).state;

    it('disk used at 75 % for two 5-minute periods gives exactly one ALARM notification, with the reason', async () => {
      const disk = { Host: 'web-1', path: '/' };
      await minutes(10, () => put('disk_used_percent', disk, 50));
      assert.equal(state('web-1-disk-used'), 'OK');
      await minutes(5, () => put('disk_used_percent', disk, 75));
      assert.equal(state('web-1-disk-used'), 'OK', 'one breaching period of two is not enough');
      await minutes(5, () => put('disk_used_percent', disk, 75));
      const fired = alerts().filter((e) => e.source.name === 'web-1-disk-used' && e.attributes.newState === 'ALARM');
      assert.equal(fired.length, 1);
      assert.match(
        fired[0].text,
        new RegExp(
          /^Threshold Crossed: 2 out of the last 2 datapoints \[75\.0 \(.+\), 7\d\.\d \(.+\)\] /.source +
            /were greater than or equal to the threshold \(70\.0\)/.source,
        ),
      );
      assert.equal(state('web-1-disk-used'), 'ALARM');
      await minutes(10, () => put('disk_used_percent', disk, 50));
      const after = alerts().filter((e) => e.source.name === 'web-1-disk-used');
      assert.deepEqual(
        after.map((e) => e.attributes.newState),
        ['OK', 'ALARM', 'OK'],
        'transitions run their actions, and only transitions',
      );
      assert.equal(after[2].dedupKey, after[1].dedupKey, 'the OK closes the incident the ALARM opened');
    });

    it(
      'a silent metric goes as treatMissingData says: ' + 'missing → INSUFFICIENT_DATA; ignore keeps the state',
      async () => {
        await minutes(25);
        assert.equal(state('web-1-disk-used'), 'INSUFFICIENT_DATA');
        assert.equal(
          state('web-1-system-status-check'),
          'INSUFFICIENT_DATA',
          'a new alarm starts there, and ignore keeps it',
        );
        const history = (await call(tocsin, 'GET', '/api/alarms/web-1-disk-used/history')).json.history;
        assert.deepEqual(
          history.filter((h: { kind: string }) => h.kind === 'state').map((h: { newState: string }) => h.newState),
          ['INSUFFICIENT_DATA', 'OK', 'ALARM', 'OK'],
        );
      },
    );

    it('a failed system status check notifies and calls the recovery hook', async () => {
      await minutes(3, () => put('StatusCheckFailed_System', { Host: 'web-1' }, 1));
      assert.equal(state('web-1-system-status-check'), 'ALARM');
      const recoveries = hooks.requests.filter((r) => r.path === '/recover').map((r) => r.json().event);
      assert.equal(recoveries.length, 1);
      assert.equal(recoveries[0].attributes.newState, 'ALARM');
      assert.equal(
        recoveries[0].topic,
        'alarm:web-1-system-status-check',
        'called by the alarm itself, not through a topic',
      );
      assert.equal(
        alerts().filter((e) => e.source.name === 'web-1-system-status-check').length,
        1,
        'and ops-alerts is told',
      );
      const deliveries = (await call(tocsin, 'GET', '/api/deliveries?topic=alarm:web-1-system-status-check')).json
        .deliveries;
      assert.deepEqual(
        deliveries.map((d: { status: string }) => d.status),
        ['delivered'],
      );
    });

    it(
      'the group of two monitors going down one after the ' + 'other trips the healthy-count alarm when one is left',
      async () => {
        await minutes(3);
        assert.equal(tocsin.groups.list()[0].healthy, 2);
        assert.equal(state('web-healthy-hosts'), 'OK');
        down.add('/web-1');
        await minutes(4);
        assert.equal(tocsin.groups.list()[0].healthy, 1);
        assert.equal(state('web-healthy-hosts'), 'ALARM');
        const fired = alerts().filter((e) => e.source.name === 'web-healthy-hosts');
        assert.deepEqual(
          fired.map((e) => e.attributes.newState),
          ['OK', 'ALARM'],
          'OK once the group was first sampled, then ALARM',
        );
        assert.match(fired[0].text, /less than or equal to the threshold \(1\.0\)/);
      },
    );
  });
}
