import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { startHttpServer, type HttpServer } from './http-server.js';
import { uiMount } from './ui-module.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: p, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

function honoApp(): Hono {
  const app = new Hono();
  app.get('/', (c) => c.html('<p>The web UI is not built: run npm run build</p>'));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  return app;
}

async function serve(dir: string): Promise<HttpServer> {
  return startHttpServer({ host: '127.0.0.1', port: 0, fetch: honoApp().fetch, statics: [uiMount(dir)] });
}

describe('ui-module', () => {
  let dir: string;
  let server: HttpServer;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-ui-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Tocsin</title>');
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
    server = await serve(dir);
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers index.html, not cached, with the security headers, to a page load of a client route', async () => {
    for (const p of ['/', '/monitors/x', '/monitors/x/edit', '/login?next=%2F']) {
      const a = await get(server.port, p, html);
      assert.equal(a.status, 200, p);
      assert.equal(a.body, '<!doctype html><title>Tocsin</title>');
      assert.match(String(a.headers['content-type']), /^text\/html/);
      assert.equal(a.headers['cache-control'], 'no-cache');
      assert.match(String(a.headers['content-security-policy']), /default-src 'self'/);
      assert.doesNotMatch(String(a.headers['content-security-policy']), /unsafe-inline/);
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
      assert.equal(a.headers['referrer-policy'], 'same-origin');
      assert.equal(a.headers['x-frame-options'], 'DENY');
    }
  });

  it('caches hashed assets for a year', async () => {
    const a = await get(server.port, '/assets/index-abc123.js');
    assert.equal(a.status, 200);
    assert.equal(a.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(a.headers['content-type']), /^text\/javascript/);
    const missing = await get(server.port, '/assets/gone-1.js', html);
    assert.equal(missing.status, 404);
    assert.match(String(missing.headers['content-type']), /^application\/json/);
    const icon = await get(server.port, '/favicon.svg');
    assert.equal(icon.status, 200);
    assert.equal(icon.headers['cache-control'], 'no-cache');
  });

  it('leaves the API and the server endpoints to the router, so their 404 stays JSON', async () => {
    for (const p of ['/api/nothing', '/api/monitors/x', '/ping/abc', '/status/x', '/badge/x', '/metrics/x']) {
      const a = await get(server.port, p, html);
      assert.equal(a.status, 404, p);
      assert.match(String(a.headers['content-type']), /^application\/json/, p);
      assert.equal(JSON.parse(a.body).error.code, 'not_found');
    }
    const health = await get(server.port, '/healthz', html);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
  });

  it("gives a browser's page load of /metrics the app (the explorer) and a scraper the router's answer", async () => {
    const page = await get(server.port, '/metrics', html);
    assert.equal(page.status, 200);
    assert.equal(page.body, '<!doctype html><title>Tocsin</title>');
    const accepts = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    for (const accept of [accepts, '*/*']) {
      const scrape = await get(server.port, '/metrics', { accept });
      assert.equal(scrape.status, 404, accept);
      assert.match(String(scrape.headers['content-type']), /^application\/json/);
    }
  });

  it('answers a request that does not accept HTML, or is not a GET, from the router', async () => {
    const json = await get(server.port, '/monitors/x', { accept: 'application/json' });
    assert.equal(json.status, 404);
    assert.match(String(json.headers['content-type']), /^application\/json/);
    const post = await get(server.port, '/monitors/x', html, 'POST');
    assert.equal(post.status, 404);
    assert.match(String(post.headers['content-type']), /^application\/json/);
  });

  it('without a built UI, GET / is the page that says to build it', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'tocsin-ui-none-'));
    const bare = await serve(empty);
    try {
      const a = await get(bare.port, '/', html);
      assert.equal(a.status, 200);
      assert.match(a.body, /npm run build/);
      const route = await get(bare.port, '/monitors', html);
      assert.equal(route.status, 404);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
