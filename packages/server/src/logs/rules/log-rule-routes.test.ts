import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogEvent } from '@tocsin/protocol';
import type { Tocsin } from '../../app.js';
import { FakeClock } from '../../core/clock.js';
import { call, createTestApp } from '../../test-support/test-app.js';
import { testDatabases } from '../../test-support/test-databases.js';
import type { LogRulesModule } from '../log-rules-module.js';

const T0 = Date.UTC(2026, 2, 10, 12);

const line = (message: string, source: string, time = T0): LogEvent => ({
  time,
  observedTime: time,
  group: 'lambda',
  source,
  level: 17,
  levelText: 'ERROR',
  message,
  attributes: {},
  resource: {},
});

const route = {
  kind: 'route',
  group: 'lambda',
  source: 'fn-a',
  pattern: '"Task timed out"',
  topics: ['pager'],
  severity: 'critical',
  title: '{source} timed out',
  throttle: '5m',
};

for (const variant of await testDatabases()) {
  describe(`log rule routes on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(T0);
    const module = (): LogRulesModule => tocsin.logModules.rules;

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
      }));
      for (const name of ['pager', 'slack'])
        assert.equal((await call(tocsin, 'POST', '/api/topics', { name })).status, 201);
      const hook = { protocol: 'webhook', name: 'receiver', endpoint: 'http://127.0.0.1:9/hook' };
      assert.equal((await call(tocsin, 'POST', '/api/topics/pager/subscriptions', hook)).status, 201);
    });
    after(() => dispose());

    it('creates, reads, lists, replaces and deletes a rule', async () => {
      const created = await call(tocsin, 'PUT', '/api/log-rules/a-timeouts', route);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.name, 'a-timeouts');
      assert.equal(created.json.throttle, 300_000);
      assert.equal(created.json.stats.matched, 0);
      const replaced = await call(tocsin, 'PUT', '/api/log-rules/a-timeouts', { ...route, throttle: '1m' });
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal(replaced.json.createdAt, created.json.createdAt);
      assert.equal((await call(tocsin, 'GET', '/api/log-rules/a-timeouts')).json.throttle, 60_000);
      const filter = { kind: 'metric_filter', pattern: '', namespace: 'App', metricName: 'Lines' };
      assert.equal((await call(tocsin, 'PUT', '/api/log-rules/lines', filter)).status, 201);
      const list = await call(tocsin, 'GET', '/api/log-rules');
      assert.deepEqual(
        list.json.rules.map((r: { name: string; kind: string }) => [r.name, r.kind]),
        [
          ['a-timeouts', 'route'],
          ['lines', 'metric_filter'],
        ],
      );
      assert.equal((await call(tocsin, 'DELETE', '/api/log-rules/lines')).status, 204);
      assert.equal((await call(tocsin, 'GET', '/api/log-rules/lines')).status, 404);
      assert.equal((await call(tocsin, 'DELETE', '/api/log-rules/lines')).status, 404);
      assert.deepEqual(
        module()
          .catalog.list()
          .map((r) => r.name),
        ['a-timeouts'],
      );
    });

    it('answers 400 naming the field: a bad pattern with its position, unknown topics, templates, names', async () => {
      const bad = await call(tocsin, 'PUT', '/api/log-rules/bad', { ...route, pattern: '{ $.level = }' });
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.json.error.details.issues[0].path, 'pattern');
      assert.match(bad.json.error.details.issues[0].message, /at character 13/);
      const topics = await call(tocsin, 'PUT', '/api/log-rules/bad', { ...route, topics: ['pager', 'nope'] });
      assert.equal(topics.status, 400);
      assert.deepEqual(topics.json.error.details.issues, [
        { path: 'topics.1', message: "topic 'nope' does not exist" },
      ]);
      const title = await call(tocsin, 'PUT', '/api/log-rules/bad', { ...route, title: '{who} failed' });
      assert.equal(title.status, 400);
      assert.equal(title.json.error.details.issues[0].path, 'title');
      assert.match(title.json.error.details.issues[0].message, /unknown placeholder \{who\} at position 1/);
      const named = await call(tocsin, 'PUT', '/api/log-rules/bad', { ...route, name: 'other' });
      assert.equal(named.status, 400);
      const kind = await call(tocsin, 'PUT', '/api/log-rules/bad', { ...route, kind: 'forward' });
      assert.equal(kind.status, 400);
      assert.equal(kind.json.error.details.issues[0].path, 'kind');
      assert.equal((await call(tocsin, 'GET', '/api/log-rules/bad')).status, 404);
    });

    it("enforces AWS's limit of 5 regex patterns per log group, counting * rules in every group", async () => {
      const regex = (group: string) => ({ ...route, group, source: undefined, pattern: '%timed? out%' });
      for (let i = 0; i < 4; i++)
        assert.equal((await call(tocsin, 'PUT', `/api/log-rules/re-${i}`, regex('app'))).status, 201);
      assert.equal((await call(tocsin, 'PUT', '/api/log-rules/re-any', regex('*'))).status, 201);
      assert.equal((await call(tocsin, 'PUT', '/api/log-rules/re-other', regex('other'))).status, 201);
      const sixth = await call(tocsin, 'PUT', '/api/log-rules/re-5', regex('app'));
      assert.equal(sixth.status, 400);
      assert.equal(sixth.json.error.details.issues[0].path, 'pattern');
      assert.match(sixth.json.error.details.issues[0].message, /group 'app' would have 6 rules with a %regex% pattern/);
      for (const n of ['re-0', 're-1', 're-2', 're-3', 're-any', 're-other'])
        assert.equal((await call(tocsin, 'DELETE', `/api/log-rules/${n}`)).status, 204);
    });

    it('tests a pattern on pasted lines, with the fields of a space-delimited pattern', async () => {
      const res = await call(tocsin, 'POST', '/api/log-rules/test', {
        pattern: '[ip, user, ..., status = 5*, bytes]',
        lines: [
          '127.0.0.1 frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 503 2326',
          '127.0.0.1 frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326',
        ],
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.results[0].matched, true);
      assert.deepEqual(
        [res.json.results[0].fields.$ip, res.json.results[0].fields.$status, res.json.results[0].fields.$bytes],
        ['127.0.0.1', '503', '2326'],
      );
      assert.deepEqual(res.json.results[1], { line: res.json.results[1].line, matched: false });
      const terms = await call(tocsin, 'POST', '/api/log-rules/test', { pattern: 'ERROR -retry', lines: ['ERROR x'] });
      assert.deepEqual(terms.json.results, [{ line: 'ERROR x', matched: true }]);
      const bad = await call(tocsin, 'POST', '/api/log-rules/test', { pattern: '[a, b', lines: ['x'] });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.details.issues[0].path, 'pattern');
      assert.match(bad.json.error.details.issues[0].message, /character/);
      assert.equal((await call(tocsin, 'POST', '/api/log-rules/test', { pattern: 'x', lines: [] })).status, 400);
    });

    it("refuses (409) a route whose topic posts into Tocsin's own ingest, naming the subscription", async () => {
      assert.equal((await call(tocsin, 'POST', '/api/topics', { name: 'loopy' })).status, 201);
      const port = tocsin.settings.port;
      const sub = { protocol: 'webhook', name: 'back-in', endpoint: `http://localhost:${port}/loki/api/v1/push` };
      assert.equal((await call(tocsin, 'POST', '/api/topics/loopy/subscriptions', sub)).status, 201);
      const res = await call(tocsin, 'PUT', '/api/log-rules/loop', { ...route, topics: ['pager', 'loopy'] });
      assert.equal(res.status, 409, res.text);
      assert.match(res.json.error.message, /topic 'loopy' subscription 'back-in' posts to \/loki\/api\/v1\/push/);
      const viaPublic = { protocol: 'webhook', name: 'public', endpoint: 'http://tocsin.test/api/logs/firehose' };
      assert.equal((await call(tocsin, 'POST', '/api/topics/slack/subscriptions', viaPublic)).status, 201);
      const res2 = await call(tocsin, 'PUT', '/api/log-rules/loop', { ...route, topics: ['slack'] });
      assert.equal(res2.status, 409);
      assert.match(res2.json.error.message, /subscription 'public' posts to \/api\/logs\/firehose/);
      assert.equal((await call(tocsin, 'GET', '/api/log-rules/loop')).status, 404);
      assert.equal((await call(tocsin, 'DELETE', '/api/topics/slack/subscriptions/public')).status, 204);
    });

    it('routes timeouts of function A (not B) to the topic: one batch, grouped, with stats and counters', async () => {
      await call(tocsin, 'PUT', '/api/log-rules/a-timeouts', route);
      const timeout = 'Task timed out after 3.00 seconds';
      tocsin.logs.pipeline.accept([line(timeout, 'fn-a'), line(timeout, 'fn-b')], { format: 'test' }, 10, T0);
      for (let i = 1; i <= 5; i++)
        tocsin.logs.pipeline.accept([line(`${timeout} #${i}`, 'fn-a', T0 + i)], { format: 'test' }, 10, T0);
      await module().tick(T0);
      const events = await tocsin.handle.db.selectFrom('events').selectAll().where('kind', '=', 'log.match').execute();
      assert.equal(events.length, 1, 'fn-b is not routed; the rest of the storm waits for the window end');
      const e = events[0];
      assert.deepEqual(
        [e.severity, e.title, e.source_type, e.source_name],
        ['critical', 'fn-a timed out', 'log_rule', 'a-timeouts'],
      );
      const deliveries = await tocsin.handle.db
        .selectFrom('deliveries')
        .select('id')
        .where('event_id', '=', e.id)
        .execute();
      assert.equal(deliveries.length, 1, 'the webhook subscription gets a delivery');
      let stats = (await call(tocsin, 'GET', '/api/log-rules/a-timeouts')).json.stats;
      assert.deepEqual([stats.matched, stats.routed, stats.suppressed, stats.lastMatchAt], [6, 1, 5, T0]);
      await module().tick(T0 + 300_000);
      const more = await tocsin.handle.db.selectFrom('events').selectAll().where('kind', '=', 'log.match').execute();
      assert.equal(more.length, 2);
      const attrs = JSON.parse(more.find((x) => x.id !== e.id)!.attributes);
      assert.equal(attrs.count, 5);
      assert.equal(attrs.samples.length, 5);
      stats = (await call(tocsin, 'GET', '/api/log-rules/a-timeouts')).json.stats;
      assert.equal(stats.routed, 2);
      const metrics = await tocsin.telemetry.render();
      assert.match(metrics, /tocsin_log_rule_matches_total\{rule="a-timeouts"\} 6/);
      assert.match(metrics, /tocsin_log_routed_total\{rule="a-timeouts"\} 2/);
      assert.match(metrics, /tocsin_log_route_suppressed_total\{rule="a-timeouts"\} 5/);
      assert.match(metrics, /tocsin_log_route_breaker_open\{rule="a-timeouts"\} 0/);
      const part = module().statusPart.status() as { rules: { name: string; stats: { matched: number } }[] };
      assert.equal(part.rules.find((r) => r.name === 'a-timeouts')?.stats.matched, 6);
      assert.deepEqual(tocsin.logs.counters.totals.stageFailures, {});
    });

    it('applies and exports the log_rules config section, round trip, with errors naming the field', async () => {
      const doc = {
        log_rules: [
          { name: 'a-timeouts', ...route },
          { name: 'errors', kind: 'route', pattern: '{ $.level = "error" }', topics: ['slack'], throttle: '10m' },
          { name: 'slow', kind: 'alarm', pattern: '{ $.latency > 500 }', threshold: 10, alarmActions: ['pager'] },
        ],
      };
      const applied = await tocsin.config.apply({ config: doc });
      assert.deepEqual(
        applied.changes.map((c: { action: string; name: string }) => [c.action, c.name]),
        [
          ['create', 'errors'],
          ['create', 'slow'],
        ],
      );
      const exported = (await tocsin.config.export()).log_rules as Record<string, unknown>[];
      const errors = exported.find((r) => r.name === 'errors')!;
      assert.equal(errors.throttle, '10m');
      assert.equal(exported.find((r) => r.name === 'slow')!.period, '5m');
      const again = await tocsin.config.apply({ config: { log_rules: exported }, prune: true });
      assert.deepEqual(again.changes, []);
      await assert.rejects(
        tocsin.config.apply({ config: { log_rules: [{ ...doc.log_rules[1], pattern: '"unclosed' }] } }),
        (err: { details: { issues: { path: string }[] } }) => err.details.issues[0].path === 'log_rules.0.pattern',
      );
      await assert.rejects(
        tocsin.config.apply({ config: { log_rules: [{ ...doc.log_rules[1], topics: ['ghost'] }] } }),
        (err: { details: { issues: { path: string }[] } }) => err.details.issues[0].path === 'log_rules.0.topics.0',
      );
      const loop = {
        topics: [
          { name: 'mirror', subscriptions: [{ protocol: 'webhook', endpoint: 'http://127.0.0.1:8080/v1/logs' }] },
        ],
        log_rules: [{ ...doc.log_rules[1], topics: ['mirror'] }],
      };
      await assert.rejects(tocsin.config.apply({ config: { ...loop, log_rules: loop.log_rules } }), (err: Error) =>
        /log_rules\.0\.topics: route 'errors' would send into Tocsin's own log ingest/.test(err.message),
      );
      const pruned = await tocsin.config.apply({ config: { log_rules: [doc.log_rules[0]] }, prune: true });
      assert.deepEqual(
        pruned.changes.map((c: { action: string; name: string }) => [c.action, c.name]),
        [
          ['delete', 'errors'],
          ['delete', 'slow'],
        ],
      );
    });
  });
}
