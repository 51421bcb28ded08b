import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTocsin, type Tocsin } from '../app.js';
import { silentLogger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';
import { POSTGRES_URL, createPostgresSchema, testDatabases } from '../test-support/test-databases.js';
import { TEST_ADMIN_TOKEN, call } from '../test-support/test-app.js';
import { readUntil } from '../test-support/event-stream-reader.js';

const postgres = (await testDatabases()).some((v) => v.name === 'postgres');

/** One node of a cluster on `schema` (its change listener runs; its workers do not). */
async function startNode(schema: string, nodeId: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-live-'));
  const flags = {
    'data-dir': dir,
    'admin-token': TEST_ADMIN_TOKEN,
    'public-url': 'http://tocsin.test',
    'database-url': POSTGRES_URL,
    'node-id': nodeId,
  };
  const tocsin = await createTocsin(loadSettings(flags, {}, dir), { logger: silentLogger, schema });
  return {
    tocsin,
    async close() {
      await tocsin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('live stream across nodes (PostgreSQL)', { skip: !postgres }, () => {
  let a: Awaited<ReturnType<typeof startNode>>;
  let b: Awaited<ReturnType<typeof startNode>>;
  let drop: () => Promise<void>;
  before(async () => {
    const schema = await createPostgresSchema();
    drop = schema.drop;
    a = await startNode(schema.schema, 'node-a');
    b = await startNode(schema.schema, 'node-b');
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await drop?.();
  });

  it("a change committed on node A reaches node B's streams, once, and A's own", async () => {
    const stream = (t: Tocsin) =>
      t.http.request('/api/live', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const [onA, onB] = await Promise.all([stream(a.tocsin), stream(b.tocsin)]);
    const long = 'x'.repeat(9_000);
    const res = await call(a.tocsin, 'POST', '/api/heartbeats', { name: 'nightly', period: '1d', grace: '1h' });
    assert.equal(res.status, 201, res.text);
    a.tocsin.live.emit({ type: 'incident', name: 'long', state: 'open', at: 1, reason: long });
    const seen = (t: string) => t.includes('"name":"long"');
    const [ra, rb] = await Promise.all([readUntil(onA.body!, seen), readUntil(onB.body!, seen)]);
    for (const r of [ra, rb]) {
      const created = r.text.split('\n\n').filter((m) => m.includes('"name":"nightly","state":"created"'));
      assert.equal(created.length, 1, r.text);
      const cut = r.text.split('\n\n').find((m) => m.includes('"name":"long"'))!;
      assert.ok(cut.length < 1_000);
    }
    await Promise.all([ra.cancel(), rb.cancel()]);
  });

  it("an alarm edit and a config apply's one resync on node A reach node B's streams", async () => {
    const onB = await b.tocsin.http.request('/api/live', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const alarm = {
      namespace: 'Host',
      metricName: 'DiskUsed',
      statistic: 'Average',
      period: '5m',
      evaluationPeriods: 1,
      threshold: 70,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    };
    assert.equal((await call(a.tocsin, 'PUT', '/api/alarms/disk', alarm)).status, 201);
    const config = { version: 1, topics: [{ name: 'from-config' }] };
    assert.equal((await call(a.tocsin, 'POST', '/api/config/apply', { config })).status, 200);
    await call(a.tocsin, 'DELETE', '/api/alarms/disk');
    const r = await readUntil(onB.body!, (t) => t.includes('"name":"disk","state":"deleted"'));
    const events = r.text.split('\n\n').filter((m) => m.includes('disk') || m.startsWith('event: resync'));
    assert.equal(events.length, 3, r.text);
    assert.match(events[0], /"type":"alarm","name":"disk","state":"created"/);
    assert.equal(events[1], 'event: resync\ndata: {}');
    await r.cancel();
  });
});
