import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../core/clock.js';
import { HttpReceiver } from '../../test-support/http-receiver.js';
import { call } from '../../test-support/test-app.js';
import { testDatabases } from '../../test-support/test-databases.js';
import { createLogMetricsApp, type LogMetricsApp } from '../../test-support/log-metrics-test-kit.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 23, 0, 0, 5);

for (const variant of await testDatabases()) {
  describe(`log alarms on ${variant.name}`, () => {
    let app: LogMetricsApp;
    let clock: FakeClock;
    let hooks: HttpReceiver;
    before(async () => {
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(T0);
      app = await createLogMetricsApp(variant.name, clock);
      const topic = await call(app.tocsin, 'POST', '/api/topics', {
        name: 'ops',
        subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/ops` }],
      });
      assert.equal(topic.status, 201, topic.text);
    });
    after(async () => {
      await app.dispose();
      await hooks.stop();
    });

    const setRules = async (rules: unknown[]) => {
      app.catalog.set(rules);
      await app.settle();
    };
    /** Ships the lines now, flushes a second later, then evaluates at the next minute. */
    const minute = async (lines: string[], more: Record<string, string> = {}) => {
      app.ingest(lines, more);
      clock.advance(1_000);
      await app.settle();
      clock.set(Math.floor(clock.now() / MINUTE) * MINUTE + MINUTE);
      await app.settle();
    };
    const events = () => hooks.requests.filter((r) => r.path === '/ops').map((r) => r.json().event);
    const state = (name: string) => app.tocsin.alarms.get(name).state;

    it('a count alarm goes to ALARM with the matching lines and a query link, then back to OK', async () => {
      await setRules([
        {
          kind: 'alarm',
          name: 'api-errors',
          group: 'api',
          pattern: 'ERROR',
          threshold: 3,
          period: '1m',
          alarmActions: ['ops'],
          okActions: ['ops'],
        },
      ]);
      assert.equal(state('log.api-errors'), 'INSUFFICIENT_DATA');
      const errors = Array.from({ length: 12 }, (_, i) => `ERROR request ${i} failed`);
      await minute([...errors, 'INFO fine', 'INFO fine too'], { group: 'api' });
      assert.equal(state('log.api-errors'), 'ALARM');
      const [alarm] = events();
      assert.equal(alarm.attributes.newState, 'ALARM');
      assert.equal(alarm.attributes.alarm, 'log.api-errors');
      const logs = alarm.attributes.logs;
      assert.deepEqual(
        logs.first.map((l: { message: string }) => l.message),
        errors.slice(0, 5),
      );
      assert.deepEqual(
        logs.last.map((l: { message: string }) => l.message),
        errors.slice(-5),
      );
      assert.equal(logs.seen, 12);
      const query =
        'http://tocsin.test/logs?group=api&pattern=ERROR' +
        '&start=2026-11-23T00%3A00%3A00.000Z&end=2026-11-23T00%3A01%3A00.000Z';
      assert.equal(logs.query, query);
      assert.match(alarm.text, /ERROR request 0 failed/);
      assert.ok(alarm.text.endsWith(`Query: ${query}`), alarm.text);

      // Lines of another group do not count.
      await minute(['ERROR elsewhere', 'ERROR elsewhere', 'ERROR elsewhere'], { group: 'web' });
      assert.equal(state('log.api-errors'), 'OK');
      const ok = events()[1];
      assert.equal(ok.attributes.newState, 'OK');
      assert.match(ok.attributes.logs.query, /^http:\/\/tocsin\.test\/logs\?group=api&pattern=ERROR/);
      const history = (await call(app.tocsin, 'GET', '/api/alarms/log.api-errors/history')).json.history;
      assert.deepEqual(
        history.filter((h: { kind: string }) => h.kind === 'state').map((h: { summary: string }) => h.summary),
        ['Alarm updated from ALARM to OK', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
      );
    });

    it('a managed alarm refuses edits through the API and config, and is not exported', async () => {
      const listed = (await call(app.tocsin, 'GET', '/api/alarms')).json.alarms.map((a: { name: string }) => a.name);
      assert.ok(listed.includes('log.api-errors'));
      const spec = app.tocsin.alarms.get('log.api-errors').spec;
      const put = await call(app.tocsin, 'PUT', '/api/alarms/log.api-errors', { ...spec, threshold: 100 });
      assert.equal(put.status, 409, put.text);
      assert.match(put.json.error.message, /managed by log rule 'api-errors'/);
      assert.equal((await call(app.tocsin, 'DELETE', '/api/alarms/log.api-errors')).status, 409);
      const made = await call(app.tocsin, 'POST', '/api/alarms', { ...spec, name: 'log.mine' });
      assert.equal(made.status, 409, made.text);
      const exported = (await call(app.tocsin, 'GET', '/api/config/export')).json.config;
      assert.ok(!(exported.alarms ?? []).some((a: { name: string }) => a.name.startsWith('log.')));
      const applied = await call(app.tocsin, 'POST', '/api/config/apply?prune=true', {
        config: { ...exported, alarms: [] },
      });
      assert.ok(applied.status < 300, applied.text);
      assert.equal(state('log.api-errors'), 'OK', 'prune leaves a managed alarm alone');
    });

    it('follows its rule: changed, and deleted with it', async () => {
      await setRules([
        { kind: 'alarm', name: 'api-errors', group: 'api', pattern: 'ERROR', threshold: 9, period: '2m' },
      ]);
      const spec = app.tocsin.alarms.get('log.api-errors').spec as { threshold: number; period: number };
      assert.deepEqual([spec.threshold, spec.period], [9, 2 * MINUTE]);
      await setRules([]);
      assert.equal((await call(app.tocsin, 'GET', '/api/alarms/log.api-errors')).status, 404);
    });

    it('a ratio alarm needs its minimum count, alarms on the share of lines, and recovers', async () => {
      hooks.requests.length = 0;
      await setRules([
        {
          kind: 'alarm',
          name: 'checkout-5xx',
          group: 'web',
          source: 'checkout',
          pattern: '[ip, user, status = 5*, bytes]',
          measure: 'ratio',
          threshold: 50,
          minCount: 4,
          period: '1m',
          alarmActions: ['ops'],
          okActions: ['ops'],
        },
      ]);
      const line = (status: number) => `10.0.0.1 frank ${status} 512`;
      const at = { group: 'web', source: 'checkout' };
      await minute([line(500), line(502), line(503)], at);
      assert.equal(state('log.checkout-5xx'), 'OK', 'three lines, under the minimum count: not breaching');
      // Lines of another source are not part of the share.
      app.ingest([line(200), line(200), line(200), line(200), line(200)], { group: 'web', source: 'search' });
      await minute([line(500), line(503), line(500), line(200), line(200)], at);
      assert.equal(state('log.checkout-5xx'), 'ALARM', '60% of five lines');
      const alarm = events().at(-1);
      assert.equal(alarm.attributes.newState, 'ALARM');
      assert.match(alarm.attributes.reason, /\[60(\.0+)?( \(|\])/);
      assert.equal(alarm.attributes.logs.first.length, 3);
      assert.match(alarm.attributes.logs.query, /&source=checkout$/);
      await minute([line(500), line(200), line(200), line(200), line(200)], at);
      assert.equal(state('log.checkout-5xx'), 'OK', '20%');
      assert.deepEqual(
        events().map((e) => e.attributes.newState),
        ['OK', 'ALARM', 'OK'],
      );
    });
  });
}
