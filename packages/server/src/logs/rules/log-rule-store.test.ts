import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logRuleInputSchema } from '@tocsin/protocol';
import type { Db } from '../../db/database.js';
import { testDatabases } from '../../test-support/test-databases.js';
import * as store from './log-rule-store.js';

const route = logRuleInputSchema.parse({
  kind: 'route',
  name: 'a-timeouts',
  group: 'lambda',
  source: 'fn-a',
  pattern: '"Task timed out"',
  topics: ['pager'],
  throttle: '10m',
});
const filter = logRuleInputSchema.parse({
  kind: 'metric_filter',
  name: 'latency',
  pattern: '{ $.latency > 0 }',
  namespace: 'App',
  metricName: 'Latency',
  value: '$.latency',
});

for (const variant of await testDatabases()) {
  describe(`log rule store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    it('writes rules, replaces one by name keeping its creation time, reads them back by name', async () => {
      assert.equal((await store.upsertRule(handle.db, route, 1_000)).created, true);
      assert.equal((await store.upsertRule(handle.db, filter, 2_000)).created, true);
      const replaced = await store.upsertRule(handle.db, { ...route, throttle: 60_000 } as typeof route, 3_000);
      assert.deepEqual([replaced.created, replaced.createdAt, replaced.updatedAt], [false, 1_000, 3_000]);
      const all = await store.listRules(handle.db);
      assert.deepEqual(
        all.map((r) => [r.spec.name, r.spec.kind, r.createdAt, r.updatedAt]),
        [
          ['a-timeouts', 'route', 1_000, 3_000],
          ['latency', 'metric_filter', 2_000, 2_000],
        ],
      );
      assert.deepEqual(all[0].spec, { ...route, throttle: 60_000 });
      const kinds = await handle.db.selectFrom('log_rules').select(['name', 'kind']).orderBy('name').execute();
      assert.deepEqual(kinds, [
        { name: 'a-timeouts', kind: 'route' },
        { name: 'latency', kind: 'metric_filter' },
      ]);
      assert.deepEqual(
        (await store.loadRules(handle.db, ['latency', 'gone'])).map((r) => r.spec),
        [filter],
      );
    });

    it('deletes a rule and says whether there was one', async () => {
      assert.equal(await store.deleteRule(handle.db, 'latency'), true);
      assert.equal(await store.deleteRule(handle.db, 'latency'), false);
      assert.deepEqual(
        (await store.listRules(handle.db)).map((r) => r.spec.name),
        ['a-timeouts'],
      );
    });

    it("reads the URLs of a topic's subscriptions, from the spec and the secrets", async () => {
      const db = handle.db;
      await db.insertInto('topics').values(topicRow('t1', 'alerts')).execute();
      await db.insertInto('topics').values(topicRow('t2', 'other')).execute();
      await db
        .insertInto('subscriptions')
        .values([
          subRow('s1', 't1', 'hook', 'webhook', { endpoint: 'http://127.0.0.1:8080/api/logs' }, {}),
          subRow('s2', 't1', 'slack', 'slack', {}, { endpoint: { value: 'https://hooks.slack.test/x' } }),
          subRow('s3', 't2', 'mail', 'email', { endpoint: 'ops@acme.test' }, {}),
        ])
        .execute();
      const targets = await store.routeTargets(db, ['alerts', 'other']);
      const byName = Object.fromEntries(targets.map((t) => [t.subscription, t]));
      assert.deepEqual(byName.hook.urls, ['http://127.0.0.1:8080/api/logs']);
      assert.deepEqual(byName.slack.urls, ['https://hooks.slack.test/x']);
      assert.equal(byName.slack.topic, 'alerts');
      assert.deepEqual(byName.mail.urls, []);
      assert.deepEqual(await store.routeTargets(db, []), []);
    });
  });
}

function topicRow(id: string, name: string) {
  return { id, name, display_name: null, tags: '{}', created_at: 1, updated_at: 1 };
}

function subRow(id: string, topicId: string, name: string, protocol: string, spec: object, secrets: object) {
  return {
    id,
    topic_id: topicId,
    name,
    protocol,
    spec: JSON.stringify(spec),
    secrets: JSON.stringify(secrets),
    status: 'confirmed' as const,
    confirm_token_hash: null,
    confirm_expires_at: null,
    unsubscribe_token: `u-${id}`,
    created_at: 1,
    updated_at: 1,
  };
}
