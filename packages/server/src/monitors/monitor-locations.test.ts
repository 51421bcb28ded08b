import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { startHttpServer, type HttpServer } from '../http/http-server.js';
import { TestAgent } from '../test-support/test-agent.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 11, 4, 1, 0, 0);

for (const variant of await testDatabases()) {
  describe(`a monitor checked from three locations on ${variant.name}`, () => {
    const clock = new FakeClock(T0);
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let server: HttpServer;
    let target: net.Server;
    let targetPort: number;
    const agents: TestAgent[] = [];
    /** Whether each agent's probe reaches the target (as if its network did or did not). */
    const reaches: Record<string, boolean> = { 'probe-a': true, 'probe-b': true, 'probe-c': true };
    const asked: Record<string, number> = {};

    const advance = async (ms: number) => {
      clock.advance(ms);
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
    };
    const events = async () =>
      (await tocsin.handle.db.selectFrom('events').selectAll().orderBy('created_at').execute()).filter((e) =>
        e.kind.startsWith('monitor.'),
      );

    async function connectAgent(hostname: string, tags: Record<string, string>, probes: boolean) {
      const made = await call(tocsin, 'POST', '/api/agents/enrollment-tokens', { name: hostname });
      const enrolled = await call(
        tocsin,
        'POST',
        '/api/agents/enroll',
        { token: made.json.token, hostname, tags },
        null,
      );
      assert.equal(enrolled.status, 201, enrolled.text);
      const agent = await TestAgent.connect(server.port, enrolled.json.credential);
      agent.answerProbes((f) => {
        asked[hostname] = (asked[hostname] ?? 0) + 1;
        assert.equal(f.monitor, 'shop');
        assert.equal(f.spec.port, targetPort);
        return reaches[hostname]
          ? { ok: true, message: 'connected in 1 ms' }
          : { ok: false, message: 'connection refused' };
      });
      agent.hello(hostname, tags, probes);
      await agent.next('welcome');
      agents.push(agent);
    }

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        fetch: tocsin.http.fetch,
        upgrades: tocsin.upgrades,
      });
      target = net.createServer((s) => s.end());
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
      targetPort = (target.address() as net.AddressInfo).port;
      await connectAgent('probe-a', { role: 'probe' }, true);
      await connectAgent('probe-b', { role: 'probe' }, true);
      // Has the tags but does not run probes: not a location.
      await connectAgent('probe-c', { role: 'probe' }, false);
      assert.equal((await call(tocsin, 'POST', '/api/topics', { name: 'ops' })).status, 201);
    });
    after(async () => {
      for (const a of agents) a.close();
      await server.close();
      await new Promise((r) => target.close(r));
      await dispose();
    });

    it('names the field of a bad locations setting', async () => {
      const base = { name: 'bad', type: 'tcp', host: '127.0.0.1', port: 1 };
      for (const [locations, field] of [
        [{ agents: { role: 'probe' }, quorum: '120%' }, 'locations.quorum'],
        [{ agents: { role: 'probe' }, quorum: 0 }, 'locations.quorum'],
        [{ agents: {} }, 'locations.agents'],
        [{ agents: { role: 'probe' }, extra: 1 }, 'locations'],
      ] as const) {
        const r = await call(tocsin, 'POST', '/api/monitors', { ...base, locations });
        assert.equal(r.status, 400, r.text);
        assert.match(r.json.error.message, new RegExp(field.replace('.', '\\.')), r.text);
      }
      const object = await call(tocsin, 'POST', '/api/monitors', {
        name: 'bad',
        type: 'object',
        path: '/tmp/x',
        locations: { agents: { role: 'probe' } },
      });
      assert.equal(object.status, 400);
      assert.match(object.json.error.message, /locations: object checks run on the server only/);
    });

    it('stays up while one location fails, goes down once when two do, and comes back', async () => {
      const created = await call(tocsin, 'POST', '/api/monitors', {
        name: 'shop',
        type: 'tcp',
        host: '127.0.0.1',
        port: targetPort,
        interval: '30s',
        timeout: '2s',
        topics: ['ops'],
        locations: { agents: { role: 'probe' }, quorum: 2 },
      });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.json.settings.locations, { agents: { role: 'probe' }, includeServer: true, quorum: 2 });

      reaches['probe-b'] = false;
      await advance(10_000);
      let shop = (await call(tocsin, 'GET', '/api/monitors/shop')).json;
      assert.equal(shop.state, 'UP');
      assert.match(shop.lastResult.reason, /^up from 2 of 3 locations .*probe-b: connection refused/);
      const rows = shop.locationResults.map((l: { label: string; status: string }) => `${l.label}=${l.status}`);
      assert.deepEqual(rows, ['server=up', 'probe-a=up', 'probe-b=down']);
      assert.equal(asked['probe-c'], undefined, 'an agent without --allow-probes is not asked');

      reaches['probe-a'] = false;
      await advance(30_000);
      await advance(30_000);
      shop = (await call(tocsin, 'GET', '/api/monitors/shop')).json;
      assert.equal(shop.state, 'DOWN');
      let sent = await events();
      assert.deepEqual(
        sent.map((e) => e.kind),
        ['monitor.down'],
        'one notification for two failing checks',
      );
      assert.match(
        sent[0].text,
        /down from 2 of 3 locations \(quorum 2\): probe-a: connection refused; probe-b: connection/,
      );
      assert.deepEqual(JSON.parse(sent[0].attributes).failedLocations, ['probe-a', 'probe-b']);

      reaches['probe-a'] = true;
      reaches['probe-b'] = true;
      await advance(30_000);
      shop = (await call(tocsin, 'GET', '/api/monitors/shop')).json;
      assert.equal(shop.state, 'UP');
      sent = await events();
      assert.deepEqual(
        sent.map((e) => e.kind),
        ['monitor.down', 'monitor.up'],
      );
      await tocsin.monitorRunner.flush();
      const stored = (await call(tocsin, 'GET', '/api/monitors/shop/locations')).json.locations;
      assert.deepEqual(
        stored.map((l: { label: string; status: string; current: boolean }) => [l.label, l.status, l.current]),
        [
          ['server', 'up', true],
          ['probe-a', 'up', true],
          ['probe-b', 'up', true],
        ],
      );
    });

    it('counts a silent agent as unknown, not as a failure', async () => {
      agents[0].ws.removeAllListeners('message');
      reaches['probe-b'] = false;
      await call(tocsin, 'PUT', '/api/monitors/shop', {
        type: 'tcp',
        host: '127.0.0.1',
        port: targetPort,
        interval: '30s',
        timeout: '200ms',
        topics: ['ops'],
        locations: { agents: { role: 'probe' }, quorum: 2 },
      });
      await advance(30_000);
      const shop = (await call(tocsin, 'GET', '/api/monitors/shop')).json;
      assert.equal(shop.state, 'UP');
      const a = shop.locationResults.find((l: { label: string }) => l.label === 'probe-a');
      assert.equal(a.status, 'unknown');
      assert.equal(a.message, 'no answer by the deadline');
    });
  });
}
