import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSource } from './source-config.js';
import { monitorsOfText, readSourceText } from './source-reader.js';
import { startS3, type S3Harness } from './s3rver-harness.js';

const servers = JSON.stringify({
  servers: [
    { name: 'web-1', url: 'https://web-1.example.test/' },
    { name: 'web-2', url: 'https://web-2.example.test/health' },
  ],
});

describe('reading a source', () => {
  let http: Server;
  let base: string;
  let s3: S3Harness;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-source-'));

  before(async () => {
    http = createServer((req, res) => {
      if (req.url === '/servers.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(servers);
      res.writeHead(503).end('down');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    s3 = await startS3(['monitor-lists']);
    await s3.put('monitor-lists', 'prod/servers.json', servers);
  });
  after(async () => {
    await new Promise((resolve) => http.close(resolve));
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a URL, and names the status it answered when it fails', async () => {
    assert.equal(await readSourceText(parseSource({ name: 'servers', url: `${base}/servers.json` })), servers);
    await assert.rejects(readSourceText(parseSource({ name: 'servers', url: `${base}/gone.json` })), {
      message: `source servers: ${base}/gone.json: answered 503`,
    });
  });

  it('reads a file, and says when there is none', async () => {
    const file = path.join(dir, 'servers.json');
    writeFileSync(file, servers);
    assert.equal(await readSourceText(parseSource({ name: 'servers', file })), servers);
    const missing = path.join(dir, 'missing.json');
    await assert.rejects(readSourceText(parseSource({ name: 'servers', file: missing })), {
      message: `source servers: file:${missing}: ENOENT`,
    });
  });

  it('reads an S3 object with GetObject, and names a missing key', async () => {
    const s3Of = (key: string) => ({ ...s3.location('monitor-lists'), key });
    assert.equal(await readSourceText(parseSource({ name: 'servers', s3: s3Of('prod/servers.json') })), servers);
    await assert.rejects(readSourceText(parseSource({ name: 'servers', s3: s3Of('prod/nothing.json') })), {
      message: /^source servers: s3:\/\/monitor-lists\/prod\/nothing\.json: no such bucket or key \(404/,
    });
  });
});

describe('the monitors of a source text', () => {
  const spec = parseSource({
    name: 'servers',
    url: 'http://127.0.0.1/servers.json',
    defaults: { interval: '2m', topics: ['ops'], expectedStatus: [200], tags: { team: 'web' } },
  });

  it("turns seed 003's server list into http monitors with the defaults, tagged with the source", () => {
    const r = monitorsOfText(servers, spec);
    assert.equal(r.format, 'servers');
    assert.deepEqual(r.monitors[0], {
      type: 'http',
      interval: '2m',
      topics: ['ops'],
      expectedStatus: [200],
      tags: { team: 'web', source: 'servers' },
      name: 'web-1',
      url: 'https://web-1.example.test/',
    });
  });

  it("reads Tocsin's own file (YAML), monitors only", () => {
    const yaml = 'version: 1\nmonitors:\n  - name: api\n    type: tcp\n    host: 127.0.0.1\n    port: 5432\n';
    const r = monitorsOfText(yaml, spec);
    assert.equal(r.format, 'tocsin');
    assert.deepEqual(r.monitors, [
      { name: 'api', type: 'tcp', host: '127.0.0.1', port: 5432, tags: { source: 'servers' } },
    ]);
    assert.throws(() => monitorsOfText('version: 1\ntopics: []\n', spec), {
      message: 'source servers: topics: only the monitors section may come from a source (found topics)',
    });
  });

  it('refuses what is neither, and entries without a url', () => {
    assert.throws(() => monitorsOfText('{"hosts": []}', spec), { message: /source servers: neither `version:`/ });
    assert.throws(() => monitorsOfText('{"servers": [{"name": "a"}]}', spec), {
      message: 'source servers: servers.0.url: required (a URL)',
    });
    assert.throws(() => monitorsOfText('{"servers": [', spec), { message: /^source servers: not JSON or YAML/ });
  });
});

describe('a source in the config file', () => {
  it('names the field that is wrong', () => {
    assert.throws(() => parseSource({ name: 'a', url: 'ftp://x' }, 'sources.0'), { message: /^sources\.0\.url: / });
    assert.throws(() => parseSource({ name: 'a' }, 'sources.0'), { message: 'sources.0.url: give url, file or s3' });
    assert.throws(() => parseSource({ name: 'a', url: 'http://x/', file: '/x' }, 'sources.0'), {
      message: 'sources.0.file: give one of url, file and s3 (not url and file)',
    });
    assert.throws(() => parseSource({ name: 'a', s3: { bucket: 'b' } }, 'sources.0'), {
      message: /sources\.0\.s3\.key: /,
    });
    assert.throws(() => parseSource({ name: 'a', file: '/x', every: '1s' }, 'sources.0'), {
      message: /^sources\.0\.every: /,
    });
    assert.throws(() => parseSource({ name: 'a', file: '/x', defaults: { url: 'http://y/' } }, 'sources.0'), {
      message: 'sources.0.defaults.url: each server entry gives its own url',
    });
  });

  it('defaults: every 5 minutes, no prune, format detected', () => {
    const s = parseSource({ name: 'a', file: '/x' });
    assert.deepEqual(s, { name: 'a', file: '/x', everyMs: 300_000, prune: false, defaults: {} });
  });
});
