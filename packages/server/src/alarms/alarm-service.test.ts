import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { alarmMinute } from '../test-support/alarm-minute.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const alarm = {
  name: 'errors',
  namespace: 'App',
  metricName: 'errors',
  statistic: 'Sum',
  period: '1m',
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 5,
  comparisonOperator: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
  alarmActions: [{ topic: 'ops' }],
  okActions: ['topic:ops'],
};

for (const variant of await testDatabases()) {
  describe(`alarms on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    let hooks: HttpReceiver;
    before(async () => {
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 10, 23, 0, 0, 5));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      await tocsin.topics.create(
        tocsin.topics.parseTopic({
          name: 'ops',
          subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/ops` }],
        }),
      );
    });
    after(async () => {
      await dispose();
      await hooks.stop();
    });

    async function minute(errors?: number): Promise<void> {
      if (errors !== undefined)
        await call(tocsin, 'POST', '/api/metrics', {
          Namespace: 'App',
          MetricData: [{ MetricName: 'errors', Value: errors }],
        });
      await tocsin.metricsStore.drain();
      clock.advance(60_000);
      await tocsin.scheduler.runDue();
      await tocsin.outbox.runOnce();
    }
    const states = () => hooks.requests.map((r) => r.json().event.attributes.newState);

    it('starts INSUFFICIENT_DATA, goes by M of N with a gap, and runs actions on transitions only', async () => {
      const created = await call(tocsin, 'POST', '/api/alarms', alarm);
      assert.equal(created.status, 201);
      assert.equal(created.json.state, 'INSUFFICIENT_DATA');
      await minute(1);
      assert.equal(tocsin.alarms.get('errors').state, 'OK');
      await minute(9);
      await minute(0);
      assert.equal(tocsin.alarms.get('errors').state, 'OK');
      await minute(9);
      assert.equal(tocsin.alarms.get('errors').state, 'ALARM', '2 of the last 3, not consecutive');
      await minute(9);
      await minute(0);
      await minute(0);
      await minute(0);
      assert.deepEqual(states(), ['OK', 'ALARM', 'OK']);
      const history = (await call(tocsin, 'GET', '/api/alarms/errors/history')).json.history;
      assert.ok(history.some((h: { kind: string }) => h.kind === 'action'));
    });

    it('sets a state by hand until the next evaluation', async () => {
      const res = await call(tocsin, 'PUT', '/api/alarms/errors/state', {
        state: 'ALARM',
        reason: 'testing the pager',
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.state, 'ALARM');
      await tocsin.outbox.runOnce();
      assert.equal(states().at(-1), 'ALARM');
      await minute(0);
      assert.equal(tocsin.alarms.get('errors').state, 'OK');
    });

    it('rejects bad definitions with a 400 that names the field', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ statistic: 'Median' }, /statistic: SampleCount, Sum, Average, Minimum, Maximum or a percentile/],
        [{ period: '45s' }, /period: must be 10s, 20s, 30s or a multiple of 60s/],
        [{ datapointsToAlarm: 4 }, /datapointsToAlarm: must not be more than evaluationPeriods \(3\)/],
        [{ comparisonOperator: 'Above' }, /comparisonOperator/],
      ];
      for (const [change, pattern] of cases) {
        const res = await call(tocsin, 'POST', '/api/alarms', { ...alarm, name: 'bad', ...change });
        assert.equal(res.status, 400, JSON.stringify(change));
        assert.match(res.json.error.message, pattern);
      }
      await assert.rejects(
        tocsin.config.apply({ config: { alarms: [{ ...alarm, name: 'x', alarmActions: [{ topic: 'nowhere' }] }] } }),
        (err: unknown) =>
          err instanceof TocsinError && /alarms\.0\.alarmActions\.0: topic 'nowhere' does not exist/.test(err.message),
      );
    });
  });
}

for (const variant of await testDatabases()) {
  describe(`composite alarms on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    let hooks: HttpReceiver;
    before(async () => {
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 10, 23, 0, 0, 5));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      const base = {
        namespace: 'App',
        statistic: 'Maximum',
        period: '1m',
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
      };
      await tocsin.config.apply({
        config: {
          topics: [{ name: 'ops', subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/ops` }] }],
          alarms: [
            {
              name: 'site-down',
              rule: 'ALARM(web-errors) AND NOT ALARM(maintenance)',
              alarmActions: [{ topic: 'ops' }],
              okActions: [{ topic: 'ops' }],
              actionsSuppressor: 'network-down',
              actionsSuppressorExtensionPeriod: '2m',
            },
            { ...base, name: 'web-errors', metricName: 'errors' },
            { ...base, name: 'maintenance', metricName: 'maintenance' },
            { ...base, name: 'network-down', metricName: 'network' },
          ],
        },
      });
    });
    after(async () => {
      await dispose();
      await hooks.stop();
    });

    const minute = (values: Record<string, number>) => alarmMinute(tocsin, clock, values);
    const sent = () => hooks.requests.map((r) => `${r.json().event.source.name}:${r.json().event.attributes.newState}`);

    it('follows its rule over other alarms, and runs its own actions', async () => {
      await minute({ errors: 0, maintenance: 0, network: 0 });
      assert.equal(tocsin.alarms.get('site-down').state, 'OK');
      await minute({ errors: 3, maintenance: 0, network: 0 });
      assert.equal(tocsin.alarms.get('site-down').state, 'ALARM');
      await minute({ errors: 3, maintenance: 1, network: 0 });
      assert.equal(tocsin.alarms.get('site-down').state, 'OK', 'NOT ALARM(maintenance)');
      assert.deepEqual(sent(), ['site-down:OK', 'site-down:ALARM', 'site-down:OK']);
    });

    it('holds its actions back while the suppressor is in ALARM', async () => {
      await minute({ errors: 3, maintenance: 1, network: 1 });
      assert.equal(tocsin.alarms.get('network-down').state, 'ALARM');
      await minute({ errors: 3, maintenance: 0, network: 1 });
      assert.equal(tocsin.alarms.get('site-down').state, 'ALARM');
      assert.equal(sent().length, 3, 'suppressed');
      const history = (await call(tocsin, 'GET', '/api/alarms/site-down/history')).json.history;
      assert.match(
        history.find((h: { kind: string }) => h.kind === 'action').summary,
        /suppressed: network-down is in ALARM/,
      );
    });

    it('rejects a rule naming an unknown alarm, naming the field', async () => {
      const res = await call(tocsin, 'POST', '/api/alarms', { name: 'bad', rule: 'ALARM(nope) OR ALARM(web-errors)' });
      assert.equal(res.status, 400);
      assert.match(res.json.error.message, /rule: names the alarm 'nope', which does not exist/);
      const syntax = await call(tocsin, 'POST', '/api/alarms', { name: 'bad', rule: 'ALARM(web-errors' });
      assert.equal(syntax.status, 400);
      assert.match(syntax.json.error.message, /rule: expected '\)'/);
    });
  });
}
