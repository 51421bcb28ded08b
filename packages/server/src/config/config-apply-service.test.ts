import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const document = {
  topics: [
    {
      name: 'ops',
      subscriptions: [
        { protocol: 'slack', endpoint: 'https://hooks.slack.com/services/T/B/SECRET1' },
        { protocol: 'webhook', endpoint: 'http://127.0.0.1:9/hook', secret: 'hmac-secret-1' },
        { protocol: 'email', endpoint: 'oncall@example.com', filter: { severities: ['critical'] } },
      ],
    },
  ],
  monitors: [
    {
      name: 'api',
      type: 'http',
      url: 'http://127.0.0.1:9/health',
      interval: '30s',
      topics: ['ops'],
      auth: { type: 'bearer', token: 'probe-token' },
    },
    { name: 'db', type: 'tcp', host: '127.0.0.1', port: 5432, interval: 60, failureThreshold: 3, retryInterval: '10s' },
  ],
  maintenance: [{ name: 'nightly', monitors: ['db'], cron: '0 3 * * *', timezone: 'Asia/Tokyo', duration: '30m' }],
  heartbeats: [
    { name: 'backup', cron: '0 3 * * *', timezone: 'Asia/Tokyo', grace: '30m', maxRuntime: '2h', topics: ['ops'] },
    { name: 'sync', period: '15m', grace: '5m', failureTolerance: 3, tooOften: true },
  ],
};

const refs = { 'topics.0.subscriptions.0.endpoint': '${SLACK_URL}' };

for (const variant of await testDatabases()) {
  describe(`config apply on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    before(async () => ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock() })));
    after(() => dispose());

    it('plans without writing on a dry run', async () => {
      const plan = await tocsin.config.apply({ config: document, dryRun: true });
      assert.equal(plan.applied, false);
      assert.deepEqual(
        plan.changes.map((c) => `${c.action} ${c.resource} ${c.name}`),
        [
          'create topic ops',
          'create monitor api',
          'create monitor db',
          'create maintenance nightly',
          'create heartbeat backup',
          'create heartbeat sync',
        ],
      );
      assert.deepEqual(await tocsin.topics.list(), []);
      assert.deepEqual(tocsin.monitors.list(), []);
    });

    it('applies, and applies again with no changes', async () => {
      const first = await tocsin.config.apply({ config: document, refs });
      assert.equal(first.changes.length, 6);
      assert.deepEqual((await tocsin.config.apply({ config: document, refs })).changes, []);
    });

    it('exports a document that applies back with no changes and shows no secret', async () => {
      const exported = await tocsin.config.export();
      const text = JSON.stringify(exported);
      for (const secret of ['SECRET1', 'hmac-secret-1', 'probe-token'])
        assert.ok(!text.includes(secret), `${secret} is not exported`);
      assert.match(text, /\$\{SLACK_URL\}/);
      // As `tocsin apply` does: the reference is resolved, and its text sent along.
      const again = JSON.parse(text.replace('${SLACK_URL}', 'https://hooks.slack.com/services/T/B/SECRET1'));
      const slack = again.topics[0].subscriptions.findIndex((s: { protocol: string }) => s.protocol === 'slack');
      const exportedRefs = { [`topics.0.subscriptions.${slack}.endpoint`]: '${SLACK_URL}' };
      assert.deepEqual((await tocsin.config.apply({ config: again, refs: exportedRefs })).changes, []);
    });

    it('names what changes, and deletes only with prune', async () => {
      const changed = structuredClone(document);
      changed.monitors[0].interval = '45s';
      changed.monitors.pop();
      changed.maintenance = [];
      changed.heartbeats = changed.heartbeats.slice(0, 1);
      const plain = await tocsin.config.apply({ config: changed, refs, dryRun: true });
      assert.deepEqual(plain.changes, [{ action: 'update', resource: 'monitor', name: 'api', fields: ['interval'] }]);
      const pruned = await tocsin.config.apply({ config: changed, refs, prune: true });
      assert.deepEqual(
        pruned.changes.map((c) => `${c.action} ${c.resource} ${c.name}`),
        ['update monitor api', 'delete monitor db', 'delete maintenance nightly', 'delete heartbeat sync'],
      );
      assert.deepEqual(
        tocsin.monitors.list().map((m) => m.name),
        ['api'],
      );
    });

    it('rejects a whole document for one bad field, naming its path, and changes nothing', async () => {
      const bad = structuredClone(document);
      (bad.monitors[1] as Record<string, unknown>).port = 70000;
      (bad.monitors[0] as Record<string, unknown>).topics = ['nope'];
      await assert.rejects(
        tocsin.config.apply({ config: { ...bad, topics: [] } }),
        (err: unknown) => err instanceof TocsinError && /monitors\.1\.port/.test(err.message),
      );
      await assert.rejects(
        tocsin.config.apply({ config: { monitors: [bad.monitors[0]] } }),
        (err: unknown) =>
          err instanceof TocsinError && /monitors\.0\.topics\.0: topic 'nope' does not exist/.test(err.message),
      );
      assert.deepEqual(
        tocsin.monitors.list().map((m) => m.name),
        ['api'],
      );
    });
  });
}
