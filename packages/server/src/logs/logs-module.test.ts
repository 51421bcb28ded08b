import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import type { TocsinError } from '../core/errors.js';
import { sampleEvents } from '../test-support/sample-log-lines.js';
import { call, createTestApp } from '../test-support/test-app.js';

const DAY = 86_400_000;

describe('logs module (HTTP, config, retention)', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  const clock = new FakeClock(1_764_633_600_000);
  before(
    async () => ({ tocsin, dispose } = await createTestApp('sqlite', { clock, flags: { 'logs-queue-bytes': '1MiB' } })),
  );
  after(() => dispose());
  const origin = { format: 'tocsin' };

  it('creates, reads, replaces, deletes a group named with slashes; bad bodies are 400s naming the field', async () => {
    const path = '/api/log-groups/%2Faws%2Flambda%2Fcheckout';
    const put = await call(tocsin, 'PUT', path, { retentionDays: 7, match: { sources: ['checkout'] } });
    assert.equal(put.status, 201, put.text);
    assert.equal(put.json.name, '/aws/lambda/checkout');
    assert.equal((await call(tocsin, 'PUT', path, { retentionDays: 14 })).status, 200);
    const got = await call(tocsin, 'GET', path);
    assert.equal(got.json.retentionDays, 14);
    assert.equal(got.json.count, 0);
    const bad = await call(tocsin, 'PUT', path, { retentionDays: 0 });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /retentionDays/);
    const renamed = await call(tocsin, 'PUT', path, { name: 'other' });
    assert.equal(renamed.status, 400);
    assert.match(renamed.text, /name/);
    assert.equal((await call(tocsin, 'PUT', '/api/log-groups/has%20space', {})).status, 400);
    assert.equal((await call(tocsin, 'DELETE', path)).status, 204);
    assert.equal((await call(tocsin, 'GET', path)).status, 404);
    assert.equal((await call(tocsin, 'DELETE', path)).status, 404);
  });

  it('stores accepted events, shows them before and after the flush, and totals them per group', async () => {
    const events = sampleEvents(500, { group: 'web', start: clock.now() - 600_000, stepMs: 1000 });
    tocsin.logs.pipeline.accept(events, origin, 120_000, clock.now());
    const before = await call(tocsin, 'GET', '/api/logs/query?group=web&limit=5&pattern=%22timed%20out%22');
    assert.equal(before.status, 200, before.text);
    assert.ok(before.json.events.length > 0);
    assert.ok(before.json.events.every((e: { message: string }) => e.message.includes('timed out')));
    await tocsin.logs.writer.flush();
    const after = await call(tocsin, 'GET', '/api/logs/query?group=web&limit=5&pattern=%22timed%20out%22');
    assert.deepEqual(after.json.events, before.json.events, 'the same ids and events once stored');
    const list = await call(tocsin, 'GET', '/api/log-groups');
    const web = list.json.logGroups.find((g: { name: string }) => g.name === 'web');
    assert.equal(web.count, 500);
    assert.equal(web.retentionDays, 30, 'created by its first event with the default retention');
    assert.equal(web.rawBytes, 120_000);
    assert.ok(web.storedBytes > 0 && web.storedBytes < web.rawBytes);
    assert.equal(web.lastTime, new Date(events.at(-1)!.time).toISOString());
    const parts = Object.fromEntries(tocsin.logs.statusParts.map((p) => [p.name, p.status()]));
    assert.equal((parts.ingest as { events: number }).events, 500);
    assert.equal((parts.storage as { queueBytes: number }).queueBytes, 0);
    assert.match(await tocsin.telemetry.render(), /tocsin_logs_ingested_total\{format="tocsin"\} 500/);
  });

  it('answers bad query parameters with 400s naming the field', async () => {
    const bad = await call(tocsin, 'GET', '/api/logs/query?group=web&pattern=%7B%20%24.a%20%3D');
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^pattern: filter pattern: .*character 8/);
    assert.equal(bad.json.error.details.issues[0].path, 'pattern');
    assert.equal((await call(tocsin, 'GET', '/api/logs/query?group=web&limit=0')).status, 400);
    assert.equal((await call(tocsin, 'GET', '/api/logs/query?group=web&order=up')).status, 400);
    assert.equal((await call(tocsin, 'GET', '/api/logs/query?group=web&start=soon')).status, 400);
    assert.equal((await call(tocsin, 'GET', '/api/logs/query')).status, 400);
    assert.equal((await call(tocsin, 'GET', '/api/logs/query?group=nope')).status, 404);
    assert.equal((await call(tocsin, 'GET', '/api/logs/query?group=web', undefined, null)).status, 401);
  });

  it('refuses a batch while the queue is full (a 503 with Retry-After), counting it as dropped', async () => {
    tocsin.logs.pipeline.accept(sampleEvents(10, { group: 'burst' }), origin, 1_000_000, clock.now());
    assert.throws(
      () => tocsin.logs.pipeline.accept(sampleEvents(10, { group: 'burst' }), origin, 100_000, clock.now()),
      (err: TocsinError) =>
        err.code === 'unavailable' && (err.details as { retryAfterSeconds: number }).retryAfterSeconds > 0,
    );
    await tocsin.logs.writer.flush();
    tocsin.logs.pipeline.accept(sampleEvents(10, { group: 'burst' }), origin, 100_000, clock.now());
    const ingest = tocsin.logs.statusParts[0]!.status() as { dropped: { backpressure: number } };
    assert.equal(ingest.dropped.backpressure, 10);
  });

  it('applies and exports log groups as config', async () => {
    const doc = { log_groups: [{ name: 'api', retentionDays: 3, description: 'the API' }] };
    const dry = await tocsin.config.apply({ config: doc, dryRun: true });
    assert.deepEqual(dry.changes, [{ action: 'create', resource: 'log group', name: 'api' }]);
    await tocsin.config.apply({ config: doc });
    const exported = await tocsin.config.export();
    assert.deepEqual(
      (exported.log_groups as { name: string }[]).find((g) => g.name === 'api'),
      doc.log_groups[0],
    );
    const again = await tocsin.config.apply({ config: { log_groups: exported.log_groups } });
    assert.deepEqual(again.changes, []);
    await assert.rejects(
      tocsin.config.apply({ config: { log_groups: [{ name: 'api' }, { name: 'api' }] } }),
      (err: TocsinError) => err.message.includes("log_groups.1.name: log group 'api' is declared twice"),
    );
    await assert.rejects(
      tocsin.config.apply({ config: { log_groups: [{ name: 'x', retentionDays: -1 }] } }),
      (err: TocsinError) => err.message.includes('log_groups.0.retentionDays'),
    );
    assert.equal(tocsin.logs.groupSpecs().find((g) => g.name === 'api')?.retentionDays, 3);
  });

  it("deletes the whole blocks past their group's retention, and keeps the newer ones", async () => {
    const now = clock.now();
    await call(tocsin, 'PUT', '/api/log-groups/short', { retentionDays: 2 });
    tocsin.logs.pipeline.accept(sampleEvents(10, { group: 'short', start: now - 3 * DAY }), origin, 1000, now);
    await tocsin.logs.writer.flush();
    tocsin.logs.pipeline.accept(sampleEvents(10, { group: 'short', start: now - DAY }), origin, 1000, now);
    await tocsin.logs.writer.flush();
    const retention = tocsin.modules.flatMap((m) => m.retention ?? []).find((r) => r.domain === 'logs')!;
    await retention.prune(now);
    const g = await call(tocsin, 'GET', '/api/log-groups/short');
    assert.equal(g.json.count, 10);
    assert.equal(g.json.firstTime, new Date(now - DAY).toISOString());
  });
});
