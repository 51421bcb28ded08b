import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { startHttpServer, type HttpServer } from '../http/http-server.js';
import { TestAgent } from '../test-support/test-agent.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);

for (const variant of await testDatabases()) {
  describe(`fleet routes, config and alarms on ${variant.name}`, () => {
    const clock = new FakeClock(T0);
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let server: HttpServer;
    let writeToken: string;

    const advance = async (ms: number) => {
      clock.advance(ms);
      for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
    };

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        fetch: tocsin.http.fetch,
        upgrades: tocsin.upgrades,
      });
      writeToken = (await tocsin.tokens.create('writer', 'write')).token;
    });
    after(async () => {
      await server.close();
      await dispose();
    });

    it('makes enrolment tokens for admins only, lists them without secrets, and revokes them', async () => {
      const denied = await call(tocsin, 'POST', '/api/agents/enrollment-tokens', {}, writeToken);
      assert.equal(denied.status, 403);
      const made = await call(tocsin, 'POST', '/api/agents/enrollment-tokens', { name: 'web', uses: 1 });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.json.state, 'active');
      const list = await call(tocsin, 'GET', '/api/agents/enrollment-tokens');
      assert.equal(list.json.tokens.length, 1);
      assert.ok(!list.text.includes(made.json.token), 'the secret is shown once');
      const bad = await call(tocsin, 'POST', '/api/agents/enrollment-tokens', { expiresIn: '90d' });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.message, /expiresIn/);
      const enrolled = await call(
        tocsin,
        'POST',
        '/api/agents/enroll',
        { token: made.json.token, hostname: 'a' },
        null,
      );
      assert.equal(enrolled.status, 201, enrolled.text);
      const again = await call(tocsin, 'POST', '/api/agents/enroll', { token: made.json.token, hostname: 'b' }, null);
      assert.equal(again.status, 401);
      assert.match(again.json.error.message, /has enrolled its 1 agent/);
      const other = await call(tocsin, 'POST', '/api/agents/enrollment-tokens', {});
      assert.equal((await call(tocsin, 'DELETE', `/api/agents/enrollment-tokens/${other.json.id}`)).status, 204);
      const revoked = await call(
        tocsin,
        'POST',
        '/api/agents/enroll',
        { token: other.json.token, hostname: 'c' },
        null,
      );
      assert.match(revoked.json.error.message, /revoked/);
      assert.equal((await call(tocsin, 'DELETE', '/api/agents/enrollment-tokens/nope')).status, 404);
      const noHost = await call(tocsin, 'POST', '/api/agents/enroll', { token: 'x' }, null);
      assert.equal(noHost.status, 400);
      assert.match(noHost.json.error.message, /hostname/);
    });

    it('patches tags and answers 404 for an unknown agent', async () => {
      const [a] = (await call(tocsin, 'GET', '/api/agents')).json.agents;
      const patched = await call(tocsin, 'PATCH', `/api/agents/${a.id}`, { tags: { role: 'web', env: 'prod' } });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.json.tags, { role: 'web', env: 'prod' });
      assert.equal((await call(tocsin, 'PATCH', `/api/agents/${a.id}`, { tags: { 'bad key': 'x' } })).status, 400);
      assert.equal((await call(tocsin, 'GET', '/api/agents/nope')).status, 404);
      assert.equal((await call(tocsin, 'DELETE', '/api/agents/nope')).status, 404);
    });

    it('applies and exports agent_groups, checks their topics, and keeps a topic they name', async () => {
      const missing = await call(tocsin, 'PUT', '/api/agent-groups/web', {
        selector: { role: 'web' },
        expectedSize: 2,
        topics: ['nope'],
      });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.json.error.details.issues, [
        { path: 'topics.0', message: "topic 'nope' does not exist" },
      ]);
      const config = {
        topics: [{ name: 'ops' }],
        agent_groups: [{ name: 'web', selector: { role: 'web' }, expectedSize: 2, topics: ['ops'] }],
      };
      const applied = await call(tocsin, 'POST', '/api/config/apply', { config });
      assert.equal(applied.status, 200, applied.text);
      const group = await call(tocsin, 'GET', '/api/agent-groups/web');
      assert.deepEqual([group.json.members, group.json.healthy, group.json.agents.length], [1, 0, 1]);
      const exported = (await call(tocsin, 'GET', '/api/config/export')).json.config;
      assert.deepEqual(exported.agent_groups, config.agent_groups);
      assert.deepEqual((await call(tocsin, 'POST', '/api/config/apply', { config })).json.changes, []);
      const del = await call(tocsin, 'DELETE', '/api/topics/ops');
      assert.equal(del.status, 409);
      assert.match(del.json.error.message, /agent group 'web'/);
      assert.equal((await call(tocsin, 'DELETE', '/api/agent-groups/web')).status, 204);
      assert.equal((await call(tocsin, 'GET', '/api/agent-groups/web')).status, 404);
    });

    it("fires an alarm on an agent's CWAgent disk_used_percent (Average, 5 min, 2 of 2)", async () => {
      const token = (await call(tocsin, 'POST', '/api/agents/enrollment-tokens', {})).json.token;
      const e = (await call(tocsin, 'POST', '/api/agents/enroll', { token, hostname: 'web-9' }, null)).json;
      const alarm = {
        namespace: 'CWAgent',
        metricName: 'disk_used_percent',
        dimensions: { InstanceId: e.agentId, host: 'web-9', path: '/' },
        statistic: 'Average',
        period: '5m',
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 70,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'missing',
      };
      const put = await call(tocsin, 'PUT', '/api/alarms/web-9-disk', alarm);
      assert.equal(put.status, 201, put.text);
      const agent = await TestAgent.connect(server.port, e.credential);
      agent.hello('web-9');
      await agent.next('welcome');
      for (let minute = 0; minute < 11; minute++) {
        const at = agent.frames.length;
        agent.send({ type: 'pong', id: 0 });
        const data = [{ name: 'disk_used_percent', value: 85, unit: 'Percent', dimensions: { path: '/' } }];
        agent.send({ type: 'metrics', time: clock.now(), data });
        // A frame that answers (a bad one) marks that the frames before it were handled, in order.
        agent.send({ type: 'status', checks: 'x' } as never);
        await agent.next('error', at);
        await tocsin.metricsStore.drain();
        await advance(60_000);
      }
      assert.equal((await call(tocsin, 'GET', '/api/alarms/web-9-disk')).json.state, 'ALARM');
      agent.close();
      await agent.waitClosed();
    });

    it('limits refused enrolments per address (429 with Retry-After)', async () => {
      let last = 0;
      for (let i = 0; i < 25 && last !== 429; i++)
        last = (await call(tocsin, 'POST', '/api/agents/enroll', { token: `wrong-${i}`, hostname: 'h' }, null)).status;
      assert.equal(last, 429);
    });
  });
}
