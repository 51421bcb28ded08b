import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { TocsinError } from '../core/errors.js';
import { startHttpServer, UpgradeRegistry, type HttpServer } from './http-server.js';
import { PublicUrl } from './public-url.js';
import { resolveStaticPath } from './static-files.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw request: the path is sent exactly as given (no normalisation of `..`). */
function get(port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes and reads until the server closes. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('http-server', () => {
  let dir: string;
  let server: HttpServer;
  const upgrades = new UpgradeRegistry();
  const publicUrl = new PublicUrl('http://127.0.0.1:0', 0);
  let release: (() => void) | undefined;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-static-'));
    mkdirSync(path.join(dir, 'ui', 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>ui</title>');
    writeFileSync(path.join(dir, 'ui', 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'ui', 'assets', 'style.css'), 'body{}');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    utimesSync(
      path.join(dir, 'ui', 'assets', 'app.js'),
      new Date('2026-01-01T00:00:00Z'),
      new Date('2026-01-01T00:00:00Z'),
    );
    const app = new Hono();
    app.get('/hello', (c) => c.text('from hono'));
    app.get('/slow', async (c) => {
      await new Promise<void>((resolve) => (release = resolve));
      return c.text('finished');
    });
    upgrades.add('/agents', (_req, socket) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhi');
    });
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      fetch: app.fetch,
      fastPath: (req, res) => {
        if (req.url !== '/fast') return false;
        res.end('fast');
        return true;
      },
      statics: [{ prefix: '/ui', dir: path.join(dir, 'ui') }],
      upgrades,
      publicUrl,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves the public URL with the port chosen', () => {
    assert.equal(publicUrl.get(), `http://127.0.0.1:${server.port}`);
  });

  it('answers the fast path first, then static files, then Hono', async () => {
    assert.equal((await get(server.port, '/fast')).body, 'fast');
    assert.equal((await get(server.port, '/hello')).body, 'from hono');
    const index = await get(server.port, '/ui/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.body, '<!doctype html><title>ui</title>');
    assert.equal((await get(server.port, '/ui')).body, index.body, 'the prefix itself serves index.html');
  });

  it('serves content types by extension, with an ETag and Last-Modified that answer 304', async () => {
    const js = await get(server.port, '/ui/assets/app.js?v=1');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['content-length'], String('console.log(1)'.length));
    assert.equal(js.headers['last-modified'], 'Thu, 01 Jan 2026 00:00:00 GMT');
    const etag = js.headers.etag!;
    assert.match(etag, /^W\/"/);
    assert.equal((await get(server.port, '/ui/assets/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    const again = await get(server.port, '/ui/assets/app.js', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal((await get(server.port, '/ui/assets/app.js', { 'if-none-match': 'W/"other"' })).status, 200);
    assert.equal(
      (await get(server.port, '/ui/assets/app.js', { 'if-modified-since': 'Fri, 02 Jan 2026 00:00:00 GMT' })).status,
      304,
    );
    assert.equal(
      (await get(server.port, '/ui/assets/app.js', { 'if-modified-since': 'Wed, 31 Dec 2025 00:00:00 GMT' })).status,
      200,
    );
    const head = await get(server.port, '/ui/assets/app.js', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal((await get(server.port, '/ui/assets/app.js', {}, 'POST')).status, 405);
  });

  it('answers 404 to paths that leave the directory, hold NUL, or name nothing', async () => {
    for (const p of [
      '/ui/../secret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/%2E%2E%2Fsecret.txt',
      '/ui/assets/..%2f..%2fsecret.txt',
      '/ui/app.js%00.html',
      '/ui/%zz',
      '/ui/assets',
      '/ui/nothing.js',
      '/ui/..\\secret.txt',
    ]) {
      const res = await get(server.port, p);
      assert.equal(res.status, 404, p);
      assert.ok(!res.body.includes('outside'), p);
    }
    assert.equal(resolveStaticPath('/srv/ui', 'a/./b'), undefined);
    assert.equal(resolveStaticPath('/srv/ui', 'a/b.js'), '/srv/ui/a/b.js');
  });

  it('hands an upgrade to the handler of its prefix; one nobody handles is a 404 and the socket closes', async () => {
    const upgrade = (p: string) => `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`;
    assert.match(await raw(server.port, upgrade('/agents/connect')), /^HTTP\/1\.1 101 [\s\S]*hi$/);
    assert.match(await raw(server.port, upgrade('/elsewhere')), /^HTTP\/1\.1 404 Not Found/);
    assert.match(
      await raw(server.port, upgrade('/agentsmith')),
      /^HTTP\/1\.1 404 Not Found/,
      'a prefix matches whole segments',
    );
  });

  it('a port in use is one line naming TOCSIN_PORT (--port)', async () => {
    await assert.rejects(
      startHttpServer({ host: '127.0.0.1', port: server.port, fetch: () => new Response('') }),
      (err: unknown) =>
        err instanceof TocsinError &&
        /^TOCSIN_PORT \(--port\): cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/.test(err.message),
    );
  });

  it('closes gracefully: an in-flight request finishes, new connections are refused', async () => {
    const slow = get(server.port, '/slow');
    while (!release) await new Promise((r) => setImmediate(r));
    const closed = server.close();
    await assert.rejects(get(server.port, '/hello'), /ECONNREFUSED/);
    release();
    assert.equal((await slow).body, 'finished');
    await closed;
  });
});

describe('http-server shutdown deadline', () => {
  it('destroys what is still in flight once the deadline passes', async () => {
    const app = new Hono();
    app.get('/never', () => new Promise<Response>(() => {}));
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, fetch: app.fetch, shutdownDeadlineMs: 200 });
    const hung = get(server.port, '/never');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 5_000);
    await assert.rejects(hung, /socket hang up|ECONNRESET/);
  });
});
