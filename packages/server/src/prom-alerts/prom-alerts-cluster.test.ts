import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startClusterNode, type ClusterNode } from '../test-support/cluster-node.js';
import { waitFor } from '../test-support/http-receiver.js';
import { call } from '../test-support/test-app.js';
import { createPostgresSchema, testDatabases } from '../test-support/test-databases.js';

const variants = (await testDatabases()).filter((v) => v.name === 'postgres');
for (const _variant of variants) {
  describe('Prometheus alerts on two nodes of one PostgreSQL', () => {
    let schema: { schema: string; drop(): Promise<void> };
    let a: ClusterNode;
    let b: ClusterNode;

    const kinds = async () => {
      const rows = await a.tocsin.handle.db.selectFrom('events').select('kind').orderBy('id').execute();
      return rows.map((r) => r.kind);
    };
    const alert = (endsAt: number) => ({
      labels: { alertname: 'Twice', severity: 'page', instance: 'db1' },
      annotations: { summary: 'sent to both nodes' },
      startsAt: new Date().toISOString(),
      endsAt: new Date(endsAt).toISOString(),
    });

    before(async () => {
      schema = await createPostgresSchema();
      a = await startClusterNode(schema.schema, 'node-a');
      await a.tocsin.config.apply({
        config: {
          topics: [{ name: 'pages' }],
          alert_routes: [{ name: 'pager', topics: ['pages'], groupWait: '0s' }],
        },
      });
      b = await startClusterNode(schema.schema, 'node-b');
    });
    after(async () => {
      await b?.close();
      await a?.close();
      await schema?.drop();
    });

    it('publishes one firing and one resolution when both nodes take the same alert at once', async () => {
      const endsAt = Date.now() + 3600_000;
      const posts = [a, b, a, b, a, b].map((n) => call(n.tocsin, 'POST', '/api/v2/alerts', [alert(endsAt)]));
      for (const r of await Promise.all(posts)) assert.equal(r.status, 200, r.text);
      assert.deepEqual(await kinds(), ['alert.firing']);
      const past = Date.now() - 1000;
      const resolves = [b, a, b, a].map((n) => call(n.tocsin, 'POST', '/api/v2/alerts', [alert(past)]));
      for (const r of await Promise.all(resolves)) assert.equal(r.status, 200, r.text);
      assert.deepEqual(await kinds(), ['alert.firing', 'alert.resolved']);
    });

    it('resolves an expired alert once when both nodes flush at once', async () => {
      const endsAt = Date.now() + 300;
      const r = await call(a.tocsin, 'POST', '/api/v2/alerts', [
        { ...alert(endsAt), labels: { alertname: 'Expires', severity: 'page' } },
      ]);
      assert.equal(r.status, 200, r.text);
      await waitFor(() => Date.now() > endsAt, 'the alert to pass its endsAt');
      const flushed = await Promise.all([a, b, a, b].map((n) => n.tocsin.promAlerts.alerts.flush()));
      assert.equal(
        flushed.reduce((x, y) => x + y, 0),
        1,
      );
      assert.deepEqual((await kinds()).slice(-2), ['alert.firing', 'alert.resolved']);
    });
  });
}
