import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Tocsin } from '../packages/server/src/app.js';
import { loadConfigFile } from '../packages/server/src/config/config-loader.js';
import { FakeClock } from '../packages/server/src/core/clock.js';
import { TestReceiver } from '../packages/server/src/test-support/scripted-receiver.js';
import { call, createTestApp, TEST_ADMIN_TOKEN } from '../packages/server/src/test-support/test-app.js';
import { testDatabases } from '../packages/server/src/test-support/test-databases.js';
import { repoRoot } from './support/server-process.js';

/**
 * Seed 002 end to end, from examples/seed-002.yaml: three sources (two functions and an API) write to one group;
 * per-source rules page the payment function's timeouts (not the report function's), send every error to Slack
 * grouped, forward the error lines to Datadog's logs and count errors per source as a metric; a loop into
 * Tocsin's own ingest is refused; Slack answers 429, then 500, the delivery is dead-lettered, the watchdog says
 * so through its own channel, and a replay delivers it once Slack works.
 */
const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const MIN = 60_000;

for (const variant of await testDatabases()) {
  describe(`seed 002's log pipeline from examples/seed-002.yaml on ${variant.name}`, () => {
    let pagerduty: TestReceiver;
    let slack: TestReceiver;
    let datadog: TestReceiver;
    let watchdog: TestReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      pagerduty = await TestReceiver.start({ status: 202, body: '{"status":"success"}' });
      slack = await TestReceiver.start();
      datadog = await TestReceiver.start({ status: 202, body: '{}' });
      watchdog = await TestReceiver.start();
      clock = new FakeClock(T0);
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
        outbox: { maxAttempts: 2, backoff: { baseMs: 1_000, maxMs: 1_000, factor: 1 } },
        flags: { 'watchdog-window': '1m' },
      }));
      const loaded = loadConfigFile(path.join(repoRoot, 'examples/seed-002.yaml'), {
        PAGERDUTY_URL: `${pagerduty.url}/v2/enqueue`,
        SLACK_URL: `${slack.url}/slack`,
        DATADOG_LOGS_URL: datadog.url,
        WATCHDOG_URL: `${watchdog.url}/watchdog`,
      });
      assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded));
      const applied = await tocsin.config.apply({ config: loaded.config, refs: loaded.refs });
      assert.ok(applied.changes.length >= 4 + 1 + 5, JSON.stringify(applied.changes));
    });
    after(async () => {
      await dispose();
      for (const r of [pagerduty, slack, datadog, watchdog]) await r.close();
    });

    /** Ships NDJSON lines through POST /api/logs as a client would. */
    async function ship(lines: object[]): Promise<void> {
      const res = await tocsin.http.fetch(
        new Request('http://tocsin.test/api/logs', {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
          body: lines.map((l) => JSON.stringify({ time: clock.now(), ...l })).join('\n'),
        }),
      );
      const body = (await res.json()) as { accepted: number };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.accepted, lines.length, JSON.stringify(body));
    }
    /**
     * Routes publish, datapoints are written, the outbox sends what is due; then a few seconds pass, a second at a
     * time, for Slack's one message a second per webhook (the outbox's rate limit).
     */
    async function settle(seconds = 5): Promise<void> {
      for (let s = 0; s <= seconds; s++) {
        if (s > 0) clock.advance(1_000);
        await tocsin.logModules.rules.tick(clock.now());
        for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
        await tocsin.metricsStore.drain();
        await tocsin.outbox.runOnce();
      }
    }
    const jsonLine = (fn: string, level: string, msg: string) => ({
      source: fn,
      level,
      message: JSON.stringify({ level, fn, msg }),
    });
    const slackTexts = () => slack.requests.map((r) => JSON.stringify(JSON.parse(r.body)));

    it('pages the timeouts of the payment function only, once per storm', async () => {
      const timeout = 'Task timed out after 3.00 seconds';
      await ship([
        { source: 'payment', level: 'error', message: `2026-12-02T09:00:00Z abc ${timeout}` },
        { source: 'report', level: 'error', message: `2026-12-02T09:00:00Z def ${timeout}` },
        { source: 'payment', level: 'error', message: `2026-12-02T09:00:01Z ghi ${timeout}` },
        { source: 'web-api', message: '10.0.0.1 - - [02/Dec/2026:09:00:00 +0000] "GET / HTTP/1.1" 200 512' },
      ]);
      await settle();
      assert.equal(pagerduty.requests.length, 1, 'one page: the second timeout is grouped into the window');
      const page = JSON.parse(pagerduty.requests[0]!.body);
      assert.equal(page.event_action, 'trigger');
      assert.match(page.payload.summary, /^payment timed out: /);
      assert.equal(page.payload.severity, 'critical');
      const stored = await call(tocsin, 'GET', `/api/logs/query?group=app&start=${T0 - MIN}&end=${T0 + MIN}`);
      assert.equal(stored.status, 200, stored.text);
      assert.equal(stored.json.events.length, 4, 'every line is stored in the group its source is routed to');
    });

    it('sends every error to Slack grouped, error lines to Datadog, errors counted by source', async () => {
      slack.requests.length = 0;
      clock.advance(10 * MIN);
      const storm = Array.from({ length: 40 }, (_, i) => jsonLine('report', 'error', `export failed #${i}`));
      await ship([...storm, jsonLine('payment', 'error', 'card declined'), jsonLine('payment', 'info', 'ok')]);
      await settle();
      const first = slackTexts();
      assert.equal(first.filter((t) => t.includes('report')).length, 1, 'one Slack message for the storm so far');
      clock.advance(5 * MIN + 1_000);
      await settle();
      const later = slackTexts().filter((t) => t.includes('report'));
      assert.equal(later.length, 2, 'the window end sends one message counting the rest');
      assert.match(later[1]!, /39/, 'it counts the 39 more');
      const entries = datadog.requests.flatMap((r) => JSON.parse(gunzipSync(r.raw).toString('utf8')));
      assert.ok(entries.length >= 2, `error lines reach Datadog's logs (${entries.length})`);
      assert.ok(entries.every((e: { message: string }) => e.message.includes('"level":"error"')));
      assert.equal(datadog.requests[0]!.headers['dd-api-key'], '00000000000000000000000000000000');
      const q = new URLSearchParams({
        namespace: 'App/Logs',
        name: 'Errors',
        dimensions: JSON.stringify({ source: 'report' }),
        statistic: 'Sum',
        period: '60',
        from: new Date(T0).toISOString(),
        to: new Date(clock.now()).toISOString(),
      });
      const counted = await call(tocsin, 'GET', `/api/metrics/query?${q}`);
      assert.equal(counted.status, 200, counted.text);
      const sum = counted.json.datapoints.reduce((n: number, d: { value: number | null }) => n + (d.value ?? 0), 0);
      assert.equal(sum, 40, 'the metric filter counted the 40 errors of the report function');
    });

    it("refuses a route whose destination is its own ingest (the seed's infinite loop)", async () => {
      const hook = { protocol: 'webhook', name: 'self', endpoint: 'http://tocsin.test/api/logs' };
      assert.equal((await call(tocsin, 'POST', '/api/topics', { name: 'loop', subscriptions: [hook] })).status, 201);
      const loop = await call(tocsin, 'PUT', '/api/log-rules/loop', {
        kind: 'route',
        group: 'app',
        pattern: 'ERROR',
        topics: ['loop'],
      });
      assert.equal(loop.status, 409, loop.text);
      assert.match(loop.json.error.message, /self/);
      const marked = await tocsin.http.fetch(
        new Request('http://tocsin.test/api/logs', {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'x-tocsin-origin': 'another-node' },
          body: JSON.stringify({ message: 'ERROR came back' }),
        }),
      );
      const answer = (await marked.json()) as { accepted: number; dropped: Record<string, number> };
      assert.deepEqual([answer.accepted, answer.dropped.loop], [0, 1], 'an event Tocsin sent out is not taken back');
    });

    it('Slack answers 429 then 500: a dead letter, the watchdog tells its channel, a replay delivers', async () => {
      slack.requests.length = 0;
      slack.answer({ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }, { status: 500, body: 'oops' });
      clock.advance(10 * MIN);
      await ship([jsonLine('payment', 'error', 'ledger write failed')]);
      await settle();
      clock.advance(2_000);
      await settle();
      assert.equal(slack.requests.length, 2, 'two attempts: 429, then 500');
      const dead = await call(tocsin, 'GET', '/api/deliveries?status=dead');
      const letters = dead.json.deliveries.filter((d: { topic: string }) => d.topic === 'errors');
      assert.equal(letters.length, 1, dead.text);
      clock.advance(MIN);
      await settle();
      const said = watchdog.requests.map((r) => JSON.parse(r.body).event);
      const deadLetter = said.filter((e: { kind: string }) => e.kind === 'pipeline.dead_letter');
      assert.equal(deadLetter.length, 1, JSON.stringify(said.map((e: { kind: string }) => e.kind)));
      assert.match(JSON.stringify(deadLetter[0]), /errors/);
      const replay = await call(tocsin, 'POST', `/api/deliveries/${letters[0].id}/replay`);
      assert.equal(replay.status, 202, replay.text);
      await settle();
      assert.equal(slack.requests.length, 3, 'the replay is delivered');
      assert.match(slack.requests[2]!.body, /ledger write failed/);
      clock.advance(5 * MIN);
      await settle();
      assert.equal(
        watchdog.requests.filter((r) => JSON.parse(r.body).event.kind === 'pipeline.dead_letter').length,
        1,
        'at most once per kind per window, and nothing new since',
      );
    });
  });
}
