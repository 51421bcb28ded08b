import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../../app.js';
import { FakeClock } from '../../core/clock.js';
import { call } from '../../test-support/test-app.js';
import { testDatabases } from '../../test-support/test-databases.js';
import type { SourceService } from './source-service.js';
import { createSourcesTestApp } from '../../test-support/sources-test-app.js';

const MIN = 60_000;
const list = (...names: string[]) =>
  JSON.stringify({ servers: names.map((n) => ({ name: n, url: `http://127.0.0.1:9/${n}` })) });

for (const variant of await testDatabases()) {
  describe(`sources of monitors on ${variant.name}`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-sources-'));
    const pruned = path.join(dir, 'pruned.json');
    const kept = path.join(dir, 'kept.json');
    const clock = new FakeClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    let tocsin: Tocsin;
    let sources: SourceService;
    let dispose: () => Promise<void>;
    const monitor = (name: string) => tocsin.monitors.find(name)?.monitor;

    before(async () => {
      ({ tocsin, sources, dispose } = await createSourcesTestApp(variant.name, { clock }));
      writeFileSync(pruned, list('web-1', 'web-2'));
      writeFileSync(kept, list('db-1', 'db-2'));
      const r = await call(tocsin, 'POST', '/api/config/apply', {
        config: {
          version: 1,
          topics: [{ name: 'ops' }],
          monitors: [{ name: 'manual', type: 'tcp', host: '127.0.0.1', port: 9 }],
          sources: [
            { name: 'servers', file: pruned, prune: true, defaults: { interval: '2m', topics: ['ops'] } },
            { name: 'databases', file: kept, every: '10m' },
          ],
        },
      });
      assert.equal(r.status, 200, r.text);
    });
    after(async () => {
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the first read creates the monitors, with the defaults and the source tag', async () => {
      await sources.tick();
      assert.deepEqual(monitor('web-1')?.tags, { source: 'servers' });
      assert.deepEqual(monitor('web-1')?.topics, ['ops']);
      assert.equal(monitor('web-1')?.intervalMs, 2 * MIN);
      assert.equal(monitor('db-2')?.intervalMs, MIN);
      const r = await call(tocsin, 'GET', '/api/sources/servers');
      assert.equal(r.status, 200);
      assert.equal(r.json.from, `file:${pruned}`);
      assert.equal(r.json.monitors, 2);
      assert.deepEqual(
        { ...r.json.lastRead },
        { at: clock.now(), ok: true, entries: 2, created: 2, updated: 0, deleted: 0, skipped: [] },
      );
      assert.equal(r.json.nextReadAt, clock.now() + 5 * MIN);
    });

    it('a source is read again only once it is due', async () => {
      writeFileSync(pruned, list('web-1', 'web-2', 'web-3'));
      clock.advance(4 * MIN);
      await sources.tick();
      assert.equal(monitor('web-3'), undefined);
      clock.advance(MIN);
      await sources.tick();
      assert.ok(monitor('web-3'));
    });

    it('a changed list updates, and a monitor made elsewhere is left alone', async () => {
      writeFileSync(
        pruned,
        JSON.stringify({
          servers: [
            { name: 'web-1', url: 'http://127.0.0.1:9/web-1/health' },
            { name: 'web-2', url: 'http://127.0.0.1:9/web-2' },
            { name: 'web-3', url: 'http://127.0.0.1:9/web-3' },
            { name: 'manual', url: 'http://127.0.0.1:9/manual' },
          ],
        }),
      );
      const outcome = await sources.read('servers');
      assert.deepEqual(
        { ...outcome, at: 0 },
        { at: 0, ok: true, entries: 4, created: 0, updated: 1, deleted: 0, skipped: ['manual'] },
      );
      assert.equal(monitor('web-1')?.probe.url, 'http://127.0.0.1:9/web-1/health');
      assert.equal(monitor('manual')?.type, 'tcp');
    });

    it('a removed entry is deleted with prune: true, only if the source made it', async () => {
      writeFileSync(pruned, list('web-1'));
      writeFileSync(kept, list('db-1'));
      assert.equal((await sources.read('servers')).deleted, 2);
      assert.equal((await sources.read('databases')).deleted, 0);
      assert.equal(monitor('web-2'), undefined);
      assert.equal(monitor('web-3'), undefined);
      assert.ok(monitor('db-2'), 'without prune a monitor the list left out stays');
      assert.ok(monitor('manual'), 'a monitor no source made is never pruned');
    });

    it('a read that fails changes nothing (never a prune) and is recorded', async () => {
      writeFileSync(pruned, '{"servers": [');
      const broken = await sources.read('servers');
      assert.equal(broken.ok, false);
      assert.match(broken.error!, /^source servers: not JSON or YAML/);
      assert.ok(monitor('web-1'));
      rmSync(pruned);
      const missing = await sources.read('servers');
      assert.equal(missing.error, `source servers: file:${pruned}: ENOENT`);
      assert.ok(monitor('web-1'));
      writeFileSync(pruned, JSON.stringify({ servers: [{ name: 'web-9', url: 'not a url' }] }));
      const refused = await sources.read('servers');
      assert.match(refused.error!, /^source servers: monitors\.0\.url: /);
      assert.ok(monitor('web-1'));
      assert.equal(monitor('web-9'), undefined);
      const all = await call(tocsin, 'GET', '/api/sources');
      const servers = all.json.sources.find((s: { name: string }) => s.name === 'servers');
      assert.equal(servers.lastRead.ok, false);
      assert.equal(servers.lastRead.error, refused.error);
    });

    it('POST /api/sources/{name}/read reads now; an unknown source is a 404', async () => {
      writeFileSync(pruned, list('web-1', 'web-4'));
      const r = await call(tocsin, 'POST', '/api/sources/servers/read');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.created, 1);
      assert.equal((await call(tocsin, 'POST', '/api/sources/nothing/read')).status, 404);
      assert.equal((await call(tocsin, 'GET', '/api/sources/nothing')).status, 404);
    });

    it('a bad source is refused with the field named, and only monitors may come from one', async () => {
      const apply = (source: object) =>
        call(tocsin, 'POST', '/api/config/apply', { config: { version: 1, sources: [source] } });
      const bad = await apply({ name: 'x', file: pruned, every: 'soon' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.details.issues[0].path, 'sources.0.every');
      const badDefault = await apply({ name: 'x', file: pruned, defaults: { interval: '1s' } });
      assert.equal(badDefault.status, 400);
      assert.equal(badDefault.json.error.details.issues[0].path, 'sources.0.defaults.interval');
      writeFileSync(pruned, 'version: 1\ntopics:\n  - name: sneaky\n');
      const other = await sources.read('servers');
      assert.equal(
        other.error,
        'source servers: topics: only the monitors section may come from a source (found topics)',
      );
    });

    it('S3 secrets are never answered, and an export applied back keeps them', async () => {
      const s3 = { bucket: 'lists', key: 'a.json', accessKeyId: 'AKIA1', secretAccessKey: 'very-secret' };
      const r = await tocsin.config.apply({ config: { version: 1, sources: [{ name: 'in-s3', s3 }] } });
      assert.deepEqual(r.changes, [{ action: 'create', resource: 'source', name: 'in-s3' }]);
      const shown = await call(tocsin, 'GET', '/api/sources/in-s3');
      assert.equal(shown.json.config.s3.secretAccessKey, '<redacted>');
      assert.equal(shown.json.from, 's3://lists/a.json');
      assert.doesNotMatch((await call(tocsin, 'GET', '/api/sources')).text, /very-secret/);
      const exported = (await tocsin.config.export()).sources as { name: string }[];
      assert.doesNotMatch(JSON.stringify(exported), /very-secret/);
      const back = await tocsin.config.apply({ config: { version: 1, sources: exported } });
      assert.deepEqual(back.changes, []);
      const withSecrets = await tocsin.config.export({ includeSecrets: true });
      assert.match(JSON.stringify(withSecrets.sources), /very-secret/);
    });

    it('an export writes the sources back and an apply of it changes nothing', async () => {
      const exported = await tocsin.config.export();
      const again = await tocsin.config.apply({ config: { version: 1, sources: exported.sources } });
      assert.deepEqual(again.changes, []);
    });
  });
}
