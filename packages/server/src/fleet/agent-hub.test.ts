import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { startHttpServer, type HttpServer } from '../http/http-server.js';
import { TestAgent, waitFor } from '../test-support/test-agent.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);

for (const variant of await testDatabases()) {
  describe(`agent hub on ${variant.name}`, () => {
    const clock = new FakeClock(T0);
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let server: HttpServer;
    let port: number;

    const enroll = async (hostname: string, tags: Record<string, string> = {}) => {
      const token = await call(tocsin, 'POST', '/api/agents/enrollment-tokens', { tags });
      assert.equal(token.status, 201, token.text);
      const res = await call(tocsin, 'POST', '/api/agents/enroll', { token: token.json.token, hostname }, null);
      assert.equal(res.status, 201, res.text);
      return res.json as { agentId: string; credential: string; commandKey: string };
    };
    const connected = async (credential: string, hostname: string, tags: Record<string, string> = {}) => {
      const agent = await TestAgent.connect(port, credential);
      agent.hello(hostname, tags);
      const welcome = await agent.next('welcome');
      return { agent, welcome };
    };
    /** Runs the scheduler's due work after moving the clock by `ms`. */
    const advance = async (ms: number) => {
      clock.advance(ms);
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
    };

    /** The maximum of the datapoints at minute `at` of a series. */
    const values = async (key: { namespace: string; name: string; dimensions: Record<string, string> }, at: number) =>
      (await tocsin.metricsStore.periods(key, 'Maximum', 60_000, at + 1, 1)).map((p) => p.value);

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        fetch: tocsin.http.fetch,
        upgrades: tocsin.upgrades,
      });
      port = server.port;
    });
    after(async () => {
      await server.close();
      await dispose();
    });

    it('refuses an upgrade without a credential or with a wrong one (401), before upgrading', async () => {
      await assert.rejects(TestAgent.connect(port), { status: 401 });
      await assert.rejects(TestAgent.connect(port, 'not-a-credential'), { status: 401 });
    });

    it('answers hello with welcome, and a bad frame with an error frame, keeping the connection', async () => {
      const e = await enroll('web-1', { env: 'prod' });
      assert.match(e.commandKey, /BEGIN PUBLIC KEY/);
      const agent = await TestAgent.connect(port, e.credential);
      agent.send({ type: 'pong', id: 1 });
      assert.match((await agent.next('error')).message, /send hello first/);
      agent.hello('web-1', { role: 'web' });
      const welcome = await agent.next('welcome');
      assert.deepEqual(welcome, { type: 'welcome', agentId: e.agentId, metricsEveryMs: 60_000, positions: {} });
      const at = agent.frames.length;
      agent.send('{not json');
      assert.match((await agent.next('error', at)).message, /JSON/);
      const at2 = agent.frames.length;
      agent.send({ type: 'metrics', time: 'yesterday' } as never);
      assert.match((await agent.next('error', at2)).message, /bad frame: (time|data)/);
      assert.equal(agent.closed, undefined);
      const got = (await call(tocsin, 'GET', `/api/agents/${e.agentId}`)).json;
      assert.equal(got.state, 'online');
      assert.equal(got.node, tocsin.nodeId);
      assert.deepEqual(got.tags, { env: 'prod', role: 'web' }, "the token's tags and the agent's own");
      const listed = await call(tocsin, 'GET', '/api/agents?tags=role=web,env=prod|stage');
      assert.deepEqual(
        listed.json.agents.map((a: { id: string }) => a.id),
        [e.agentId],
      );
      assert.equal((await call(tocsin, 'GET', '/api/agents?tags=role=db')).json.agents.length, 0);
      assert.equal((await call(tocsin, 'GET', '/api/agents?tags=role')).status, 400);
      agent.close();
      await agent.waitClosed();
    });

    it('stores a metrics frame as CWAgent datapoints with InstanceId and host', async () => {
      const e = await enroll('db-1');
      const { agent } = await connected(e.credential, 'db-1');
      const data = [{ name: 'disk_used_percent', value: 81.5, unit: 'Percent', dimensions: { path: '/' } }];
      agent.send({ type: 'metrics', time: clock.now(), data });
      const dims = { path: '/', InstanceId: e.agentId, host: 'db-1' };
      const key = { namespace: 'CWAgent', name: 'disk_used_percent', dimensions: dims };
      const end = Math.floor(clock.now() / 60_000) * 60_000 + 60_000;
      const values = await waitFor(
        async () => {
          await tocsin.metricsStore.drain();
          const [v] = await tocsin.metricsStore.periods(key, 'Maximum', 60_000, end, 1);
          return v.value === 81.5 ? v : undefined;
        },
        5_000,
        'the datapoint',
      );
      assert.ok(values);
      agent.close();
      await agent.waitClosed();
    });

    it('keeps a high-resolution frame per second, so 10-second periods see each datapoint', async () => {
      const e = await enroll('db-2');
      const { agent } = await connected(e.credential, 'db-2');
      const minute = Math.floor(clock.now() / 60_000) * 60_000;
      const frame = (at: number, value: number, storageResolution?: 1 | 60) => ({
        type: 'metrics' as const,
        time: minute + at,
        data: [{ name: 'mem_used_percent', value, unit: 'Percent', dimensions: {} }],
        ...(storageResolution ? { storageResolution } : {}),
      });
      agent.send(frame(5_000, 10, 1));
      agent.send(frame(25_000, 30, 1));
      agent.send(frame(45_000, 50));
      const key = {
        namespace: 'CWAgent',
        name: 'mem_used_percent',
        dimensions: { InstanceId: e.agentId, host: 'db-2' },
      };
      const values = await waitFor(
        async () => {
          await tocsin.metricsStore.drain();
          const got = await tocsin.metricsStore.periods(key, 'Maximum', 10_000, minute + 60_000, 6);
          return got.some((p) => p.value === 50) ? got.map((p) => p.value) : undefined;
        },
        5_000,
        'the datapoints',
      );
      // The last frame is of standard resolution: kept per minute, it counts from the minute's start.
      assert.deepEqual(values, [50, null, 30, null, null, null]);
      agent.close();
      await agent.waitClosed();
    });

    it('takes a log batch once though sent twice, acknowledges both, and resumes after its position', async () => {
      const e = await enroll('app-1');
      const { agent } = await connected(e.credential, 'app-1');
      const lines = [
        { time: clock.now(), message: 'GET / 200' },
        { time: clock.now(), message: 'GET /x 500' },
      ];
      const batch = { type: 'logs', seq: 1, source: 'nginx', group: 'hosts/nginx', file: '2049:77', from: 0, to: 22 };
      agent.send({ ...batch, lines } as never);
      await agent.next('ack');
      const at = agent.frames.length;
      agent.send({ ...batch, seq: 2, lines } as never);
      assert.deepEqual(await agent.next('ack', at), { type: 'ack', seq: 2 });
      let stored = 0;
      for await (const events of tocsin.logs.queries.range('hosts/nginx', 0, clock.now() + 1)) {
        stored += events.length;
        for (const ev of events) assert.deepEqual(ev.resource, { agent: e.agentId, host: 'app-1' });
      }
      assert.equal(stored, 2, 'the second send is a duplicate');
      agent.close();
      await agent.waitClosed();
      const again = await connected(e.credential, 'app-1');
      assert.deepEqual(again.welcome.positions, { nginx: { file: '2049:77', to: 22 } });
      again.agent.close();
      await again.agent.waitClosed();
    });

    it('replaces a first connection by a second one of the same agent', async () => {
      const e = await enroll('dup-1');
      const first = await connected(e.credential, 'dup-1');
      const second = await connected(e.credential, 'dup-1');
      assert.equal((await first.agent.waitClosed()).code, 4409);
      assert.equal(second.agent.closed, undefined);
      second.agent.close();
      await second.agent.waitClosed();
    });

    it('closes (4408) a connection whose agent was marked offline meanwhile, so that it connects again', async () => {
      const e = await enroll('stale-1');
      const { agent } = await connected(e.credential, 'stale-1');
      // As if its pings had not been recorded for ten minutes.
      assert.ok((await tocsin.fleet.liveness.sweep(clock.now() + 600_000)) >= 1);
      assert.equal((await agent.waitClosed()).code, 4408);
      const again = await connected(e.credential, 'stale-1');
      assert.equal((await call(tocsin, 'GET', `/api/agents/${e.agentId}`)).json.state, 'online');
      again.agent.close();
      await again.agent.waitClosed();
    });

    it('closes a revoked agent with 4401 and refuses its credential from then on', async () => {
      const e = await enroll('gone-1');
      const { agent } = await connected(e.credential, 'gone-1');
      assert.equal((await call(tocsin, 'DELETE', `/api/agents/${e.agentId}`)).status, 204);
      assert.equal((await agent.waitClosed()).code, 4401);
      await assert.rejects(TestAgent.connect(port, e.credential), { status: 401 });
      assert.equal(
        (await call(tocsin, 'GET', '/api/agents')).json.agents.some((a: any) => a.id === e.agentId),
        false,
      );
    });

    it('tells which connections sent nothing since the last ping round, until they answer', async () => {
      const e = await enroll('pinged-1');
      const { agent } = await connected(e.credential, 'pinged-1');
      assert.ok(!tocsin.fleet.agentHub.unheard().includes(e.agentId), 'its hello was heard');
      const at = agent.frames.length;
      await advance(30_000);
      const ping = await agent.next('ping', at);
      assert.ok(tocsin.fleet.agentHub.unheard().includes(e.agentId), 'pinged, not answered yet');
      agent.send({ type: 'pong', id: ping.id });
      await waitFor(() => !tocsin.fleet.agentHub.unheard().includes(e.agentId), 5_000, 'the pong to be heard');
      await advance(30_000);
      assert.equal(agent.closed, undefined, 'answered, so the next round keeps it');
      agent.close();
      await agent.waitClosed();
    });

    it('turns a silent agent offline (agent.offline to its group topic), online again, StatusCheckFailed', async () => {
      assert.equal((await call(tocsin, 'POST', '/api/topics', { name: 'ops' })).status, 201);
      const hook = { protocol: 'webhook', name: 'receiver', endpoint: 'http://127.0.0.1:9/hook' };
      assert.equal((await call(tocsin, 'POST', '/api/topics/ops/subscriptions', hook)).status, 201);
      const group = { selector: { role: 'worker' }, expectedSize: 1, topics: ['ops'] };
      const put = await call(tocsin, 'PUT', '/api/agent-groups/workers', group);
      assert.equal(put.status, 201, put.text);
      const e = await enroll('worker-1', { role: 'worker' });
      const { agent } = await connected(e.credential, 'worker-1');
      // It never answers pings: after a whole round without a frame the server ends the connection.
      await advance(30_000);
      await advance(30_000);
      await agent.waitClosed();
      const events = (kind: string) =>
        tocsin.handle.db.selectFrom('events').selectAll().where('kind', '=', kind).execute();
      await advance(60_000);
      assert.equal((await events('agent.offline')).length, 0, 'not yet silent for 3 minutes');
      await advance(180_000);
      const offline = await events('agent.offline');
      assert.equal(offline.length, 1);
      assert.deepEqual([offline[0].severity, offline[0].topic_id !== null], ['error', true]);
      const queued = await tocsin.handle.db
        .selectFrom('deliveries')
        .select('id')
        .where('event_id', '=', offline[0].id)
        .execute();
      assert.equal(queued.length, 1, "a delivery to the group topic's subscription");
      assert.equal((await call(tocsin, 'GET', `/api/agents/${e.agentId}`)).json.state, 'offline');
      const failed = { namespace: 'Tocsin/Agents', name: 'StatusCheckFailed', dimensions: { InstanceId: e.agentId } };
      await tocsin.metricsStore.drain();
      const minute = Math.floor(clock.now() / 60_000) * 60_000;
      assert.deepEqual(await values(failed, minute), [1]);
      const healthy = { namespace: 'Tocsin/AgentGroups', name: 'HealthyCount', dimensions: { Group: 'workers' } };
      assert.deepEqual(await values(healthy, minute), [0]);

      const back = await connected(e.credential, 'worker-1');
      const online = await events('agent.online');
      assert.equal(online.length, 1);
      assert.equal(online[0].severity, 'ok');
      assert.equal(online[0].dedup_key, offline[0].dedup_key, 'the outage opened and resolved under one key');
      await advance(60_000);
      await tocsin.metricsStore.drain();
      const next = Math.floor(clock.now() / 60_000) * 60_000;
      assert.deepEqual(await values(failed, next), [0]);
      assert.deepEqual(await values(healthy, next), [1]);
      // Online, but a self-check failed: StatusCheckFailed is 1 again.
      const at = back.agent.frames.length;
      back.agent.send({ type: 'pong', id: 0 });
      back.agent.send({ type: 'status', checks: [{ name: 'disk-writable', ok: false, message: 'read-only' }] });
      back.agent.send({ type: 'status', checks: 'x' } as never);
      await back.agent.next('error', at);
      await advance(60_000);
      await tocsin.metricsStore.drain();
      const later = Math.floor(clock.now() / 60_000) * 60_000;
      assert.deepEqual(await values(failed, later), [1]);
      assert.deepEqual(await values(healthy, later), [1], 'still online');
      const checks = (await call(tocsin, 'GET', `/api/agents/${e.agentId}`)).json.selfChecks;
      assert.deepEqual(checks, [{ name: 'disk-writable', ok: false, message: 'read-only' }]);
      back.agent.close();
      await back.agent.waitClosed();
    });
  });
}
