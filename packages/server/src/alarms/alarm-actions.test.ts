import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { formatIssues, loadConfigText } from '../config/config-loader.js';
import { webhookSignature } from '../notify/channels/webhook-channel.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { alarmMinute } from '../test-support/alarm-minute.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const noJitter = { baseMs: 1000, maxMs: 60_000, factor: 2 };
const metric = {
  namespace: 'App',
  statistic: 'Maximum',
  period: '1m',
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
};

for (const variant of await testDatabases()) {
  describe(`alarm webhook actions on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    let hooks: HttpReceiver;
    before(async () => {
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 10, 23, 0, 0, 5));
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
        outbox: { backoff: noJitter, maxAttempts: 50 },
      }));
    });
    after(async () => {
      await dispose();
      await hooks.stop();
    });

    const minute = (values: Record<string, number>) => alarmMinute(tocsin, clock, values);
    const received = (path: string) => hooks.requests.filter((r) => r.path === path);
    const history = async (name: string) =>
      (await call(tocsin, 'GET', `/api/alarms/${name}/history`)).json.history as {
        kind: string;
        summary: string;
        data: Record<string, unknown>;
      }[];

    it('calls the webhook once per transition, with the alarm.state event, signed and with its headers', async () => {
      const hook = {
        url: `${hooks.url}/recover`,
        headers: { Authorization: 'Bearer recover-token' },
        secret: 'sign-me-please',
      };
      const created = await call(tocsin, 'POST', '/api/alarms', {
        ...metric,
        name: 'status-check',
        metricName: 'status',
        alarmActions: [{ webhook: hook }],
        okActions: [{ webhook: hook }],
      });
      assert.equal(created.status, 201, created.text);
      await minute({ status: 0 });
      await minute({ status: 1 });
      await minute({ status: 1 });
      await minute({ status: 1 });
      assert.equal(tocsin.alarms.get('status-check').state, 'ALARM');
      const calls = received('/recover');
      assert.deepEqual(
        calls.map((r) => r.json().event.attributes.newState),
        ['OK', 'ALARM'],
        'one call per transition, none while the state holds',
      );
      const body = calls[1].json();
      assert.equal(body.event.kind, 'alarm.state');
      assert.equal(body.event.topic, 'alarm:status-check');
      assert.equal(body.event.severity, 'critical');
      assert.equal(body.event.attributes.oldState, 'OK');
      assert.match(body.event.attributes.reason, /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 /);
      assert.deepEqual(
        body.event.attributes.datapoints.map((d: { value: number }) => d.value),
        [1],
      );
      assert.equal(calls[1].headers.authorization, 'Bearer recover-token');
      const t = Number(/^t=(\d+),/.exec(String(calls[1].headers['x-tocsin-signature']))?.[1]);
      assert.equal(calls[1].headers['x-tocsin-signature'], webhookSignature('sign-me-please', t, calls[1].body));

      const actions = (await history('status-check')).filter((h) => h.kind === 'action');
      assert.equal(actions[0].summary, `Called webhook ${hooks.url}/recover`);
      const deliveries = (await call(tocsin, 'GET', '/api/deliveries?topic=alarm:status-check')).json.deliveries;
      assert.equal(deliveries.length, 2);
      assert.ok(
        deliveries.every(
          (d: { status: string; protocol: string }) => d.status === 'delivered' && d.protocol === 'webhook',
        ),
      );
      assert.equal(deliveries[0].id, actions[0].data.delivery, 'the history names the delivery');
    });

    it('never shows webhook secrets, and keeps them when the shown spec is put back', async () => {
      const shown = (await call(tocsin, 'GET', '/api/alarms/status-check')).json.spec;
      assert.deepEqual(shown.alarmActions[0].webhook, {
        url: `${hooks.url}/recover`,
        headers: { Authorization: '<redacted>' },
        secret: '<redacted>',
      });
      const exported = await tocsin.config.export();
      assert.doesNotMatch(JSON.stringify(exported), /recover-token|sign-me-please/);
      const put = await call(tocsin, 'PUT', '/api/alarms/status-check', { ...shown, period: '1m' });
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(
        (await tocsin.config.apply({ config: exported })).changes,
        [],
        'an export applies back unchanged',
      );
      await call(tocsin, 'PUT', '/api/alarms/status-check/state', { state: 'OK', reason: 'testing the hook' });
      await tocsin.outbox.runOnce();
      assert.equal(received('/recover').at(-1)?.headers.authorization, 'Bearer recover-token');
    });

    it('retries a failing receiver with backoff and ends as a dead letter, which replays', async () => {
      hooks.respond = (req) => (req.path === '/flaky' ? { status: 503, body: 'down' } : { status: 200 });
      await call(tocsin, 'POST', '/api/alarms', {
        ...metric,
        name: 'flaky',
        metricName: 'flaky',
        alarmActions: [{ webhook: { url: `${hooks.url}/flaky`, retry: { maxAttempts: 3 } } }],
      });
      const set = await call(tocsin, 'PUT', '/api/alarms/flaky/state', { state: 'ALARM', reason: 'testing the hook' });
      assert.equal(set.status, 200);
      for (let i = 0; i < 5; i++) {
        await tocsin.outbox.runOnce();
        clock.advance(60_000);
      }
      assert.equal(hooks.rejected.filter((r) => r.path === '/flaky').length, 3, 'three attempts, then no more');
      const [dead] = (await call(tocsin, 'GET', '/api/deliveries?topic=alarm:flaky&status=dead')).json.deliveries;
      assert.equal(dead.attempts, 3);
      assert.match(dead.lastError, /gave up after 3 attempts/);
      hooks.respond = () => ({ status: 200, body: 'ok' });
      assert.equal((await call(tocsin, 'POST', `/api/deliveries/${dead.id}/replay`)).status, 202);
      await tocsin.outbox.runOnce();
      assert.equal(received('/flaky').length, 1);
      assert.equal(received('/flaky')[0].json().event.attributes.newState, 'ALARM');
    });

    it('ends what is still queued for a webhook whose settings change, as for a deleted subscription', async () => {
      hooks.respond = (req) => (req.path === '/moved' ? { status: 503 } : { status: 200 });
      const spec = {
        ...metric,
        name: 'moving',
        metricName: 'moving',
        alarmActions: [{ webhook: { url: `${hooks.url}/moved` } }],
      };
      await call(tocsin, 'POST', '/api/alarms', spec);
      await call(tocsin, 'PUT', '/api/alarms/moving/state', { state: 'ALARM', reason: 'testing' });
      await tocsin.outbox.runOnce();
      assert.equal(
        (await call(tocsin, 'GET', '/api/deliveries?topic=alarm:moving&status=pending')).json.deliveries.length,
        1,
      );
      await call(tocsin, 'PUT', '/api/alarms/moving', {
        ...spec,
        alarmActions: [{ webhook: { url: `${hooks.url}/new-home` } }],
      });
      clock.advance(60_000);
      await tocsin.outbox.runOnce();
      const [dead] = (await call(tocsin, 'GET', '/api/deliveries?status=dead')).json.deliveries.filter(
        (d: { topic: string }) => d.topic === '(deleted)',
      );
      assert.equal(dead.lastError, 'the subscription (or alarm action) was deleted');
      assert.equal(received('/new-home').length, 0, 'a queued call is not sent to a URL it was not made for');
      hooks.respond = () => ({ status: 200, body: 'ok' });
    });

    it('calls nothing while actions are disabled', async () => {
      await call(tocsin, 'POST', '/api/alarms', {
        ...metric,
        name: 'quiet',
        metricName: 'quiet',
        actionsEnabled: false,
        alarmActions: [{ webhook: { url: `${hooks.url}/quiet` } }],
      });
      await call(tocsin, 'PUT', '/api/alarms/quiet/state', { state: 'ALARM', reason: 'testing' });
      await minute({ quiet: 1 });
      await tocsin.outbox.runOnce();
      assert.equal(received('/quiet').length, 0);
      assert.deepEqual(
        (await history('quiet')).filter((h) => h.kind === 'action'),
        [],
      );
      assert.deepEqual((await call(tocsin, 'GET', '/api/deliveries?topic=alarm:quiet')).json.deliveries, []);
    });

    it('runs on a composite alarm, and its suppressor holds the call back', async () => {
      const applied = await tocsin.config.apply({
        config: {
          alarms: [
            {
              name: 'site-down',
              rule: 'ALARM(web)',
              actionsSuppressor: 'network',
              alarmActions: [{ webhook: { url: `${hooks.url}/site` } }],
              okActions: [{ webhook: { url: `${hooks.url}/site` } }],
            },
            { ...metric, name: 'web', metricName: 'web' },
            { ...metric, name: 'network', metricName: 'network' },
          ],
        },
      });
      assert.equal(applied.changes.length, 3);
      const set = (name: string, state: string) =>
        call(tocsin, 'PUT', `/api/alarms/${name}/state`, { state, reason: 'testing' });
      await set('web', 'OK');
      await set('network', 'ALARM');
      await set('web', 'ALARM');
      await tocsin.outbox.runOnce();
      assert.equal(tocsin.alarms.get('site-down').state, 'ALARM');
      assert.deepEqual(
        received('/site').map((r) => r.json().event.attributes.newState),
        ['OK'],
        'the ALARM call is suppressed',
      );
      assert.ok((await history('site-down')).some((h) => h.summary === 'Actions suppressed: network is in ALARM'));
      await set('network', 'OK');
      await set('web', 'OK');
      await tocsin.outbox.runOnce();
      assert.deepEqual(
        received('/site').map((r) => `${r.json().event.source.name}:${r.json().event.attributes.newState}`),
        ['site-down:OK', 'site-down:OK'],
      );
    });

    it('calls the webhook of a composite after the wait period, when the suppressor stayed out of ALARM', async () => {
      await tocsin.config.apply({
        config: {
          alarms: [
            {
              name: 'slow-site',
              rule: 'ALARM(web2)',
              actionsSuppressor: 'network2',
              actionsSuppressorWaitPeriod: '1m',
              alarmActions: [{ webhook: { url: `${hooks.url}/slow-site` } }],
            },
            { ...metric, name: 'web2', metricName: 'web2' },
            { ...metric, name: 'network2', metricName: 'network2' },
          ],
        },
      });
      await call(tocsin, 'PUT', '/api/alarms/network2/state', { state: 'OK', reason: 'testing' });
      await call(tocsin, 'PUT', '/api/alarms/web2/state', { state: 'ALARM', reason: 'testing' });
      await tocsin.outbox.runOnce();
      assert.equal(tocsin.alarms.get('slow-site').state, 'ALARM');
      assert.equal(received('/slow-site').length, 0, 'waiting for the suppressor');
      clock.advance(30_000);
      await tocsin.scheduler.runDue();
      await tocsin.outbox.runOnce();
      assert.equal(received('/slow-site').length, 0);
      clock.advance(40_000);
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
      await tocsin.outbox.runOnce();
      assert.deepEqual(
        received('/slow-site').map((r) => r.json().event.attributes.newState),
        ['ALARM'],
      );
      assert.ok(
        (await history('slow-site')).some(
          (h) => h.summary === `Called webhook ${hooks.url}/slow-site after the wait period`,
        ),
      );
    });

    it('answers a bad webhook action with a 400 naming the field, and `tocsin apply` with file:line', async () => {
      const cases: [unknown, RegExp][] = [
        [
          { webhook: { url: 'ftp://example.com/x' } },
          /^alarmActions\.0\.webhook\.url: an http:\/\/ or https:\/\/ URL$/,
        ],
        [{ webhook: {} }, /^alarmActions\.0\.webhook\.url: required/],
        [{ webhook: { url: 'http://127.0.0.1/x', secret: 'short' } }, /^alarmActions\.0\.webhook\.secret: /],
        [
          { webhook: { url: 'http://127.0.0.1/x', method: 'PUT' } },
          /^alarmActions\.0\.webhook: Unrecognized key: "method"$/,
        ],
        [
          { hook: 'x' },
          /^alarmActions\.0: an action: \{topic: NAME\}, "topic:NAME", \{webhook: \{url: URL\}\} or \{runCommand: /,
        ],
      ];
      for (const [action, pattern] of cases) {
        const res = await call(tocsin, 'POST', '/api/alarms', {
          ...metric,
          name: 'bad',
          metricName: 'bad',
          alarmActions: [action],
        });
        assert.equal(res.status, 400, JSON.stringify(action));
        assert.match(res.json.error.message, pattern);
      }
      const text = [
        'alarms:',
        '  - name: bad',
        '    namespace: App',
        '    metricName: bad',
        '    statistic: Maximum',
        '    period: 1m',
        '    evaluationPeriods: 1',
        '    threshold: 0',
        '    comparisonOperator: GreaterThanThreshold',
        '    alarmActions:',
        '      - webhook:',
        '          url: not-a-url',
        'version: 1',
        '',
      ].join('\n');
      const loaded = loadConfigText(text, 'alarms.yaml', {});
      assert.equal(loaded.ok, false);
      assert.equal(
        formatIssues(loaded.ok ? [] : loaded.issues),
        'alarms.yaml:12: alarms.0.alarmActions.0.webhook.url: an http:// or https:// URL',
      );
    });
  });
}
