import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { CHECK_JOB } from './monitor-runner.js';
import { testDatabases } from '../test-support/test-databases.js';

for (const variant of await testDatabases()) {
  describe(`monitors on ${variant.name}`, () => {
    let target: HttpReceiver;
    let hooks: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const failing = new Set<string>();

    before(async () => {
      target = await new HttpReceiver().start();
      target.respond = (req) =>
        failing.has(req.path) ? { status: 503, body: 'unavailable' } : { status: 200, body: 'all good' };
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(Date.UTC(2026, 5, 1, 12, 0, 0));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      await tocsin.topics.create(
        tocsin.topics.parseTopic({
          name: 'ops',
          subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/hook` }],
        }),
      );
    });
    after(async () => {
      await dispose();
      await target.stop();
      await hooks.stop();
    });

    /**
     * Moves the clock `ms` ahead, stopping at each monitor's next check on the way (what these
     * tests wait on) and at the end, running the due jobs and the outbox at each stop: every
     * check runs at its very time, with no walk second by second.
     */
    async function elapse(ms: number): Promise<void> {
      const end = clock.now() + ms;
      for (;;) {
        const checks = tocsin.monitors
          .list()
          .map((m) => tocsin.scheduler.dueAt(CHECK_JOB, tocsin.monitors.get(m.name).monitor.id))
          .filter((t): t is number => t !== undefined && t > clock.now());
        const next = Math.min(end, ...checks);
        clock.set(next);
        // A check that ends past its next start is due again at once: run it at this stop.
        for (let round = 0; round < 10 && (await tocsin.scheduler.runDue()) > 0; round++);
        await tocsin.outbox.runOnce();
        if (next >= end) return;
      }
    }
    const kinds = (name: string) =>
      hooks.requests
        .map((r) => r.json().event)
        .filter((e) => e.source.name === name)
        .map((e) => e.kind);

    it('announces down once, keeps quiet while down, announces the recovery with how long it was down', async () => {
      await tocsin.monitors.create(
        tocsin.monitors.parse({
          name: 'api',
          type: 'http',
          url: `${target.url}/api`,
          interval: '10s',
          topics: ['ops'],
        }),
      );
      await elapse(30_000);
      assert.equal(tocsin.monitors.get('api').runtime.state, 'UP');
      assert.deepEqual(kinds('api'), [], 'a first UP is not news');
      failing.add('/api');
      await elapse(60_000);
      assert.equal(tocsin.monitors.get('api').runtime.state, 'DOWN');
      assert.deepEqual(kinds('api'), ['monitor.down']);
      const down = hooks.requests.at(-1)!.json().event;
      assert.equal(down.severity, 'critical');
      assert.match(down.text, /status 503/);
      failing.delete('/api');
      await elapse(20_000);
      assert.deepEqual(kinds('api'), ['monitor.down', 'monitor.up']);
      const upEvent = hooks.requests.at(-1)!.json().event;
      assert.equal(upEvent.dedupKey, down.dedupKey, 'the recovery closes the same incident');
      assert.ok(upEvent.attributes.downForMs >= 50_000);
    });

    it('waits for failureThreshold, retrying sooner meanwhile', async () => {
      await tocsin.monitors.create(
        tocsin.monitors.parse({
          name: 'web',
          type: 'http',
          url: `${target.url}/web`,
          interval: '60s',
          retryInterval: '5s',
          failureThreshold: 3,
          topics: ['ops'],
        }),
      );
      await elapse(70_000);
      failing.add('/web');
      const failedAt = clock.now();
      let downAt = 0;
      for (let i = 0; i < 120 && !downAt; i++) {
        await elapse(1000);
        if (kinds('web').includes('monitor.down')) downAt = clock.now();
      }
      assert.ok(downAt > 0, 'went down');
      // First failure is seen within one interval, then two retries 5 s apart.
      assert.ok(downAt - failedAt <= 60_000 + 2 * 5_000 + 1000, `down after ${(downAt - failedAt) / 1000} s`);
      failing.delete('/web');
    });

    it('announces nothing in a maintenance window, and catches up when it closes', async () => {
      await tocsin.monitors.create(
        tocsin.monitors.parse({
          name: 'db',
          type: 'http',
          url: `${target.url}/db`,
          interval: '10s',
          topics: ['ops'],
          tags: { tier: 'data' },
        }),
      );
      await elapse(20_000);
      const start = new Date(clock.now()).toISOString();
      const end = new Date(clock.now() + 60_000).toISOString();
      await tocsin.maintenance.put(tocsin.maintenance.parse({ name: 'upgrade', tags: { tier: 'data' }, start, end }));
      failing.add('/db');
      await elapse(30_000);
      assert.equal(tocsin.monitors.get('db').runtime.state, 'MAINTENANCE');
      assert.deepEqual(kinds('db'), []);
      await elapse(40_000);
      assert.equal(tocsin.monitors.get('db').runtime.state, 'DOWN');
      assert.deepEqual(kinds('db'), ['monitor.down'], 'still down when the window closed');
      failing.delete('/db');
      await tocsin.maintenance.remove('upgrade');
    });

    it(
      "reads a recurring window's cron as heartbeats do: " +
        'nicknames taken, errors naming the field, never the library',
      () => {
        const parse = (cron: string) =>
          tocsin.maintenance.parse({ name: 'nightly', tags: { tier: 'data' }, cron, duration: '1h' });
        assert.equal(parse('@daily').cron, '@daily');
        for (const [cron, message] of [
          ['0 24 * * *', /the hour field '24': 24 is out of range 0-23/],
          ['daily', /OnCalendar word/],
          ['* * *', /5 fields/],
        ] as const) {
          assert.throws(
            () => parse(cron),
            (err: Error & { details?: { issues: { path: string; message: string }[] } }) => {
              const [issue] = err.details!.issues;
              assert.equal(issue.path, 'cron');
              assert.match(issue.message, message);
              assert.doesNotMatch(issue.message, /croner/i);
              return true;
            },
          );
        }
      },
    );

    it('keeps state across a restart: no repeat, no loss', async () => {
      await tocsin.monitors.create(
        tocsin.monitors.parse({
          name: 'cache',
          type: 'http',
          url: `${target.url}/cache`,
          interval: '10s',
          topics: ['ops'],
        }),
      );
      failing.add('/cache');
      await elapse(30_000);
      assert.deepEqual(kinds('cache'), ['monitor.down']);
      await tocsin.monitorRunner.flush(true);
      // A second app on the same database stands for the restarted server.
      const { loadAll } = await import('./monitor-store.js');
      const stored = (await loadAll(tocsin.handle.db)).find((m) => m.monitor.name === 'cache')!;
      assert.equal(stored.runtime.state, 'DOWN');
      assert.equal(stored.runtime.notified, 'DOWN');
    });

    it('keeps results and figures uptime', async () => {
      await tocsin.monitorRunner.flush(true);
      const results = await tocsin.monitors.results('api', clock.now() - 3600_000, clock.now() + 1, 1000);
      assert.ok(results.length >= 10);
      assert.ok(results.some((r) => !r.up && /status 503/.test(r.reason)));
      assert.ok(results.some((r) => r.up));
      const uptime = (await tocsin.monitors.uptime(['api'])).api;
      assert.ok(uptime['24h']! > 0 && uptime['24h']! < 100, `uptime ${uptime['24h']}`);
      assert.equal(uptime['24h'], uptime['30d']);
      const res = await call(tocsin, 'GET', '/api/monitors/api/results?limit=5');
      assert.equal(res.status, 200);
      assert.equal(res.json.results.length, 5);
    });

    it('answers bad input with a 400 that names the field', async () => {
      const cases: [unknown, RegExp][] = [
        [{ name: 'x', type: 'http', url: 'not a url' }, /url: an http:\/\/ or https:\/\/ URL/],
        [{ name: 'x', type: 'http', url: 'http://127.0.0.1:9/', interval: '3s' }, /interval: must be between 5s/],
        [{ name: 'x', type: 'smtp', host: 'a' }, /type/],
        [{ name: 'x', url: 'http://127.0.0.1:9/' }, /type: the probe type is required/],
        [{ type: 'tcp', host: '127.0.0.1', port: 1 }, /name/],
        [{ name: 'x', type: 'tcp', host: '127.0.0.1', port: 70000 }, /port: a port number/],
        [
          { name: 'x', type: 'tcp', host: '127.0.0.1', port: 1, topics: ['nope'] },
          /topics\.0: topic 'nope' does not exist/,
        ],
      ];
      for (const [body, pattern] of cases) {
        const res = await call(tocsin, 'POST', '/api/monitors', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.json.error.message, pattern, JSON.stringify(body));
      }
      assert.equal(
        tocsin.monitors.list().some((m) => m.name === 'x'),
        false,
        'nothing stored',
      );
    });
  });
}
