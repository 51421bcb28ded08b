import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 11, 4, 1, 0);
const iso = (ms: number) => new Date(ms).toISOString();

for (const variant of await testDatabases()) {
  describe(`POST /api/v2/alerts on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let ingestToken: string;
    let readToken: string;
    const clock = new FakeClock(T0);

    /** The events published so far, oldest first, as [kind, topic, severity, title]. */
    const events = async () => {
      const rows = await tocsin.handle.db
        .selectFrom('events')
        .innerJoin('topics', 'topics.id', 'events.topic_id')
        .select(['events.kind', 'topics.name', 'events.severity', 'events.title', 'events.dedup_key'])
        .orderBy('events.id')
        .execute();
      return rows.map((r) => [r.kind, r.name, r.severity, r.title, r.dedup_key]);
    };
    const post = (body: unknown, token: string | null = ingestToken) =>
      call(tocsin, 'POST', '/api/v2/alerts', body, token);
    const alert = (name: string, extra: Record<string, string> = {}, endsAt = clock.now() + 60_000) => ({
      labels: { alertname: name, ...extra },
      annotations: { summary: `${name} is on`, description: 'details' },
      startsAt: iso(clock.now()),
      endsAt: iso(endsAt),
      generatorURL: 'http://prometheus.test/graph',
    });

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      ingestToken = (await tocsin.tokens.create('prometheus', 'ingest')).token;
      readToken = (await tocsin.tokens.create('reader', 'read')).token;
      const applied = await tocsin.config.apply({
        config: {
          topics: [{ name: 'pages' }, { name: 'chat' }, { name: 'alerts' }],
          alert_routes: [
            {
              name: 'pager',
              order: 1,
              matchers: ['severity=~"critical|page"'],
              topics: ['pages'],
              groupWait: '0s',
              continue: true,
            },
            { name: 'team', order: 2, matchers: ['team="db"'], topics: ['chat'], groupBy: ['alertname'] },
          ],
        },
      });
      assert.ok(applied);
    });
    after(() => dispose());

    it('publishes one alert.firing for a firing alert, nothing for its repeats, one alert.resolved', async () => {
      assert.equal((await post([alert('DiskFull', { severity: 'page' })])).status, 200);
      const first = await events();
      assert.deepEqual(
        first.map((e) => e.slice(0, 4)),
        [['alert.firing', 'pages', 'critical', 'DiskFull is on']],
      );
      clock.advance(15_000);
      const again = await post([alert('DiskFull', { severity: 'page' })]);
      assert.equal(again.status, 200);
      assert.equal(again.text, '', 'an empty body, as Alertmanager answers');
      await tocsin.promAlerts.alerts.flush();
      assert.equal((await events()).length, 1, 'a repeat within the repeat interval is not published');
      clock.advance(15_000);
      assert.equal((await post([alert('DiskFull', { severity: 'page' }, clock.now() - 1000)])).status, 200);
      assert.equal((await post([alert('DiskFull', { severity: 'page' }, clock.now() - 1000)])).status, 200);
      const all = await events();
      assert.deepEqual(
        all.map((e) => e.slice(0, 3)),
        [
          ['alert.firing', 'pages', 'critical'],
          ['alert.resolved', 'pages', 'ok'],
        ],
      );
      assert.equal(all[1][4], all[0][4], 'resolved pairs with firing by the fingerprint');
    });

    it('holds a group for groupWait, then publishes its alerts together', async () => {
      const before = (await events()).length;
      const hour = clock.now() + 3600_000;
      const r = await post([
        alert('Slow', { team: 'db', instance: 'a' }, hour),
        alert('Slow', { team: 'db', instance: 'b' }, hour),
      ]);
      assert.equal(r.status, 200);
      await tocsin.promAlerts.alerts.flush();
      assert.equal((await events()).length, before, 'nothing before the group wait (30s by default) ends');
      clock.advance(30_000);
      assert.equal(await tocsin.promAlerts.alerts.flush(), 2);
      const added = (await events()).slice(before);
      assert.deepEqual(
        added.map((e) => e.slice(0, 3)),
        [
          ['alert.firing', 'chat', 'warning'],
          ['alert.firing', 'chat', 'warning'],
        ],
      );
    });

    it('lets the next matching route take an alert too when a route says continue', async () => {
      const before = (await events()).length;
      await post([alert('Both', { severity: 'critical', team: 'db' }, clock.now() + 3600_000)]);
      assert.deepEqual(
        (await events()).slice(before).map((e) => e.slice(0, 2)),
        [['alert.firing', 'pages']],
      );
      clock.advance(30_000);
      await tocsin.promAlerts.alerts.flush();
      assert.deepEqual(
        (await events()).slice(before).map((e) => e.slice(0, 2)),
        [
          ['alert.firing', 'pages'],
          ['alert.firing', 'chat'],
        ],
      );
    });

    it('resolves an alert that stopped being sent once its endsAt passes', async () => {
      const before = (await events()).length;
      await post([alert('Gone', { team: 'db' }, clock.now() + 60_000)]);
      clock.advance(30_000);
      await tocsin.promAlerts.alerts.flush();
      assert.deepEqual(
        (await events()).slice(before).map((e) => e[0]),
        ['alert.firing'],
      );
      clock.advance(31_000);
      await tocsin.promAlerts.alerts.flush();
      assert.deepEqual(
        (await events()).slice(before).map((e) => e[0]),
        ['alert.firing', 'alert.resolved'],
      );
      await tocsin.promAlerts.alerts.flush();
      assert.equal((await events()).length, before + 2, 'resolved once');
    });

    it('sends an alert no route takes to the default topic', async () => {
      const before = (await events()).length;
      await post([alert('Other')]);
      clock.advance(30_000);
      await tocsin.promAlerts.alerts.flush();
      assert.deepEqual(
        (await events()).slice(before).map((e) => e.slice(0, 2)),
        [['alert.firing', 'alerts']],
      );
    });

    it('answers 400 naming the index and the field of a bad alert', async () => {
      const r = await post([alert('Fine'), { labels: { alertname: 'X' }, startsAt: 'yesterday' }]);
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.error.message, /alerts\.1\.startsAt/);
      const empty = await post([{ labels: {} }]);
      assert.equal(empty.status, 400);
      assert.match(empty.json.error.message, /alerts\.0\.labels/);
      const notArray = await post({ labels: { a: 'b' } });
      assert.equal(notArray.status, 400);
    });

    it('takes an ingest token as bearer or basic auth password; refuses none (401), a read token (403)', async () => {
      assert.equal((await post([], null)).status, 401);
      assert.equal((await post([], 'not-a-token')).status, 401);
      assert.equal((await post([], readToken)).status, 403);
      const basic = Buffer.from(`prometheus:${ingestToken}`).toString('base64');
      const res = await tocsin.http.request('/api/v2/alerts', {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
        body: '[]',
      });
      assert.equal(res.status, 200);
      assert.equal((await call(tocsin, 'GET', '/api/v2/status', undefined, readToken)).json.cluster.status, 'ready');
    });

    it('lists routes in order, and the firing alerts as Alertmanager does', async () => {
      const routes = await call(tocsin, 'GET', '/api/alert-routes');
      assert.deepEqual(
        routes.json.routes.map((r: { name: string; groupWait: string }) => [r.name, r.groupWait]),
        [
          ['pager', '0s'],
          ['team', '30s'],
        ],
      );
      const put = await call(tocsin, 'PUT', '/api/alert-routes/extra', { topics: ['nope'] });
      assert.equal(put.status, 400);
      assert.match(put.json.error.message, /topics\.0: topic 'nope' does not exist/);
      const listed = await call(tocsin, 'GET', '/api/v2/alerts', undefined, readToken);
      assert.equal(listed.status, 200);
      assert.ok(listed.json.some((a: { labels: { alertname: string } }) => a.labels.alertname === 'Slow'));
      const exported = await call(tocsin, 'GET', '/api/config/export');
      assert.equal(exported.status, 200, exported.text);
      const written = exported.json.config.alert_routes;
      assert.deepEqual(
        written.map((r: { name: string; groupWait: string; repeatInterval: string }) => [r.name, r.repeatInterval]),
        [
          ['pager', '4h'],
          ['team', '4h'],
        ],
      );
      // The export reads back as the same routes.
      await tocsin.config.apply({ config: { alert_routes: written } });
      assert.deepEqual((await call(tocsin, 'GET', '/api/alert-routes')).json, routes.json);
    });
  });
}
