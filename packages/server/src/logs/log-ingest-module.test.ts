import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ArrayAppender, RecordingCounters } from '../test-support/log-ingest-harness.js';
import { createTestApp, TEST_ADMIN_TOKEN } from '../test-support/test-app.js';
import type { Tocsin } from '../app.js';
import { logIngestModule } from './log-ingest-module.js';
import { LogPipeline } from './log-pipeline.js';

describe('log ingest module in a whole Tocsin', () => {
  const appender = new ArrayAppender();
  const pipeline = new LogPipeline(appender, new RecordingCounters());
  let app: { tocsin: Tocsin; dispose(): Promise<void> };
  before(async () => {
    app = await createTestApp('sqlite', {
      flags: { 'logs-max-body-bytes': '2MiB', 'syslog-tcp-port': '0' },
      extraModules: [(ctx) => logIngestModule(ctx, { pipeline, groupSpecs: () => [] })],
    });
  });
  after(() => app.dispose());

  it('mounts the routes under the server’s own body limit exemption, with the settings’ cap', async () => {
    const line = `${JSON.stringify({ message: 'x'.repeat(1000) })}\n`;
    const body = line.repeat(1500); // 1.5 MB: over the server's 1 MiB JSON limit, under the 2 MiB log cap
    const res = await app.tocsin.http.request('/api/logs', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { accepted: number }).accepted, 1500);
    const over = await app.tocsin.http.request('/api/logs', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
      body: line.repeat(2200),
    });
    assert.equal(over.status, 413);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await (await app.tocsin.http.request('/api/openapi.json')).json()) as { paths: object };
    for (const p of ['/api/logs', '/v1/logs', '/loki/api/v1/push', '/api/logs/cloudwatch', '/api/logs/firehose'])
      assert.ok(p in doc.paths, p);
  });
});
