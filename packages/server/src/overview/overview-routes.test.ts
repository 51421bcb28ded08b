import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 5, 1, 12);

/** A monitor on a closed port of this host: every check fails at once. */
const refused = (name: string, tags: Record<string, string> = {}) => ({
  name,
  type: 'tcp',
  host: '127.0.0.1',
  port: 1,
  interval: '1m',
  timeout: '2s',
  failureThreshold: 1,
  tags,
});

for (const variant of await testDatabases()) {
  describe(`the UI's read routes on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(T0);
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      for (const m of [refused('db', { tier: 'db' }), refused('web', { tier: 'web' }), refused('idle')]) {
        const res = await call(tocsin, 'POST', '/api/monitors', m);
        assert.equal(res.status, 201, res.text);
      }
      await call(tocsin, 'POST', '/api/monitors/idle/pause');
      const checks = ['db', 'web'].map((n) => tocsin.monitors.get(n).monitor.id);
      for (let i = 0; i < 3; i++) for (const id of checks) await tocsin.monitorRunner.check(id);
      await tocsin.config.apply({
        config: { groups: [{ name: 'web-tier', selector: { tier: 'web' }, expectedSize: 2 }] },
      });
    });
    after(() => dispose());

    it('GET /api/overview: what is wrong first, then counts', async () => {
      const res = await call(tocsin, 'GET', '/api/overview');
      assert.equal(res.status, 200, res.text);
      const o = res.json;
      assert.deepEqual(
        o.problems.monitors.map((p: { name: string; state: string }) => [p.name, p.state]),
        [
          ['db', 'DOWN'],
          ['web', 'DOWN'],
        ],
      );
      assert.equal(o.problems.monitors[0].since, new Date(T0).toISOString());
      assert.match(o.problems.monitors[0].reason, /refused/i);
      assert.deepEqual(o.counts.monitors, { DOWN: 2, PAUSED: 1 });
      assert.deepEqual(o.problems.heartbeats, []);
      assert.deepEqual(o.problems.alarms, []);
      assert.deepEqual(o.problems.deadLetters, { count: 0, newest: [] });
      assert.equal(o.at, new Date(T0).toISOString());
    });

    it('GET /api/monitors-recent: the last checks of every monitor, oldest first', async () => {
      const res = await call(tocsin, 'GET', '/api/monitors-recent');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.keep, 30);
      assert.deepEqual(res.json.monitors.db.up, [false, false, false]);
      assert.equal(res.json.monitors.db.latencyMs.length, 3);
      assert.deepEqual(res.json.monitors.idle, { latencyMs: [], up: [], lastAt: null });
    });

    it('GET /api/groups and /api/groups/{name}: healthy against expected, with members', async () => {
      const list = await call(tocsin, 'GET', '/api/groups');
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        list.json.groups.map((g: Record<string, unknown>) => [g.name, g.healthy, g.members, g.expectedSize]),
        [['web-tier', 0, 1, 2]],
      );
      const one = await call(tocsin, 'GET', '/api/groups/web-tier');
      assert.deepEqual(one.json.monitors, [{ name: 'web', state: 'DOWN' }]);
      const missing = await call(tocsin, 'GET', '/api/groups/nope');
      assert.equal(missing.status, 404);
    });

    it('GET /api/metrics/namespaces[/{namespace}]: the explorer pickers', async () => {
      const put = await call(tocsin, 'POST', '/api/metrics', {
        Namespace: 'App',
        MetricData: [
          { MetricName: 'latency', Dimensions: [{ Name: 'Route', Value: '/a' }], Value: 1 },
          { MetricName: 'latency', Dimensions: [{ Name: 'Route', Value: '/b' }], Value: 1 },
          { MetricName: 'errors', Value: 1 },
        ],
      });
      assert.equal(put.status, 202, put.text);
      const ns = await call(tocsin, 'GET', '/api/metrics/namespaces');
      assert.deepEqual(
        ns.json.namespaces.find((n: { namespace: string }) => n.namespace === 'App'),
        { namespace: 'App', metrics: 2, series: 3 },
      );
      const app = await call(tocsin, 'GET', '/api/metrics/namespaces/App');
      assert.deepEqual(app.json.metrics, [
        { name: 'errors', series: 1, dimensions: {} },
        { name: 'latency', series: 2, dimensions: { Route: ['/a', '/b'] } },
      ]);
    });

    it('the read routes need a token', async () => {
      for (const url of ['/api/overview', '/api/monitors-recent', '/api/groups', '/api/metrics/namespaces'])
        assert.equal((await call(tocsin, 'GET', url, undefined, null)).status, 401, url);
    });
  });
}
