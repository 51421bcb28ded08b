/**
 * Seed 003 end to end: the server list is a JSON object in S3 (s3rver here),
 * examples/seed-003-servers.yaml reads it, and a server that goes down is
 * announced once (and its recovery once), on a fake clock.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Tocsin } from '../packages/server/src/app.js';
import { loadConfigText } from '../packages/server/src/config/config-loader.js';
import { startS3, type S3Harness } from '../packages/server/src/config/sources/s3rver-harness.js';
import { createSourcesTestApp } from '../packages/server/src/test-support/sources-test-app.js';
import type { SourceService } from '../packages/server/src/config/sources/source-service.js';
import { FakeClock } from '../packages/server/src/core/clock.js';
import { HttpReceiver } from '../packages/server/src/test-support/http-receiver.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const example = (name: string) => readFileSync(path.join(root, 'examples', name), 'utf8');
const BUCKET = 'server-monitor-lists';
const STEP_MS = 5_000;

describe('seed 003: the server list in S3', () => {
  let s3: S3Harness;
  let target: HttpReceiver;
  let hooks: HttpReceiver;
  let tocsin: Tocsin;
  let sources: SourceService;
  let dispose: () => Promise<void>;
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 0, 0, 0));
  const down = new Set<string>();

  /** The example's list, its servers pointed at the local target (`/web-1`, …). */
  const serverList = (names?: string[]) => {
    const doc = JSON.parse(example('seed-003-servers.json')) as { servers: { name: string; url: string }[] };
    const servers = doc.servers
      .filter((s) => !names || names.includes(s.name))
      .map((s) => ({ ...s, url: `${target.url}/${s.name}` }));
    return JSON.stringify({ servers });
  };

  /** Moves the clock on in steps, running what is due (source reads, checks) and the outbox at each. */
  async function elapse(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += STEP_MS) {
      clock.advance(STEP_MS);
      for (let round = 0; round < 10 && (await tocsin.scheduler.runDue()) > 0; round++);
      await tocsin.outbox.runOnce();
    }
  }
  const events = () =>
    hooks.requests.map((r) => r.json().event as { kind: string; source: { name: string } }).map((e) => e.kind);

  before(async () => {
    s3 = await startS3([BUCKET]);
    target = await new HttpReceiver().start();
    target.respond = (req) =>
      down.has(req.path.slice(1)) ? { status: 503, body: 'unavailable' } : { status: 200, body: 'ok' };
    hooks = await new HttpReceiver().start();
    await s3.put(BUCKET, 'servers.json', serverList());
    ({ tocsin, sources, dispose } = await createSourcesTestApp('sqlite', { clock }));
    const loaded = loadConfigText(example('seed-003-servers.yaml'), 'seed-003-servers.yaml', {});
    assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.issues));
    const config = loaded.config as { topics: { subscriptions: unknown[] }[]; sources: { s3: object }[] };
    // Here the bucket is s3rver's and the mail a webhook; the rest is the example as written.
    const { bucket: _b, ...local } = s3.location(BUCKET);
    config.sources[0].s3 = { ...config.sources[0].s3, ...local };
    config.topics[0].subscriptions = [{ protocol: 'webhook', endpoint: `${hooks.url}/hook` }];
    const applied = await tocsin.config.apply({ config });
    assert.deepEqual(
      applied.changes.map((c) => `${c.action} ${c.resource} ${c.name}`),
      ['create topic server-monitor', 'create source servers'],
    );
  });
  after(async () => {
    await dispose();
    await target.stop();
    await hooks.stop();
    await s3.close();
  });

  it('reads the list from S3 and checks every server, quietly while all are up', async () => {
    await elapse(2 * 60_000);
    assert.deepEqual(
      tocsin.monitors
        .list()
        .map((m) => `${m.name} ${m.state}`)
        .sort(),
      ['status-page UP', 'web-1 UP', 'web-2 UP'],
    );
    assert.deepEqual(events(), []);
  });

  it('a server that goes down is announced once, and its recovery once', async () => {
    down.add('web-2');
    await elapse(5 * 60_000);
    assert.equal(tocsin.monitors.get('web-2').runtime.state, 'DOWN');
    assert.deepEqual(events(), ['monitor.down']);
    assert.equal(hooks.requests[0].json().event.source.name, 'web-2');
    down.delete('web-2');
    await elapse(2 * 60_000);
    assert.deepEqual(events(), ['monitor.down', 'monitor.up']);
  });

  it('a server taken out of the list stops being checked; a broken object changes nothing', async () => {
    await s3.put(BUCKET, 'servers.json', '{"servers": [');
    await elapse(5 * 60_000);
    assert.equal(tocsin.monitors.list().length, 3);
    assert.match((await sources.get('servers')).lastRead?.error ?? '', /^source servers: not JSON or YAML/);
    await s3.put(BUCKET, 'servers.json', serverList(['web-1', 'web-2']));
    await elapse(5 * 60_000);
    assert.deepEqual(
      tocsin.monitors
        .list()
        .map((m) => m.name)
        .sort(),
      ['web-1', 'web-2'],
    );
  });
});
