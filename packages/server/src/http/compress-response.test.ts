import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Tocsin } from '../app.js';
import { TEST_ADMIN_TOKEN, call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { chooseEncoding } from './compress-response.js';
import { startHttpServer, type HttpServer } from './http-server.js';

describe('chooseEncoding', () => {
  it('prefers br, then gzip, and honours q=0', () => {
    assert.equal(chooseEncoding('gzip, deflate, br, zstd'), 'br');
    assert.equal(chooseEncoding('gzip'), 'gzip');
    assert.equal(chooseEncoding('br;q=0, gzip;q=0.5'), 'gzip');
    assert.equal(chooseEncoding('*'), 'gzip');
    assert.equal(chooseEncoding('identity'), undefined);
    assert.equal(chooseEncoding(undefined), undefined);
  });
});

for (const variant of await testDatabases()) {
  describe(`compressed JSON answers on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let server: HttpServer;
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name));
      const monitors = Array.from({ length: 200 }, (_, i) => ({
        name: `m-${i}`,
        type: 'tcp',
        host: '127.0.0.1',
        port: 1,
        paused: true,
      }));
      assert.equal((await call(tocsin, 'POST', '/api/config/apply', { config: { monitors } })).status, 200);
      server = await startHttpServer({ host: '127.0.0.1', port: 0, fetch: tocsin.http.fetch });
    });
    after(async () => {
      await server.close();
      await dispose();
    });

    /** A raw request over a socket: the body as sent, not decoded. */
    const raw = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: server.port,
            path,
            headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });

    it('answers a large JSON list in br or gzip as accepted, with Vary and the right length', async () => {
      const plain = await raw('/api/monitors', {});
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(plain.body.length > 8192, `${plain.body.length} bytes`);
      assert.match(String(plain.headers.vary), /Accept-Encoding/i);
      const br = await raw('/api/monitors', { 'accept-encoding': 'gzip, deflate, br' });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(Number(br.headers['content-length']), br.body.length);
      assert.deepEqual(brotliDecompressSync(br.body), plain.body);
      assert.ok(br.body.length * 5 < plain.body.length, `${br.body.length} of ${plain.body.length} bytes`);
      const gz = await raw('/api/monitors', { 'accept-encoding': 'gzip' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.deepEqual(gunzipSync(gz.body), plain.body);
      assert.equal(gz.status, 200);
    });

    it('leaves small answers, errors below the threshold, and the live stream as they are', async () => {
      const small = await raw('/api/monitors/m-1', { 'accept-encoding': 'br' });
      assert.equal(small.status, 200);
      assert.equal(small.headers['content-encoding'], undefined);
      assert.equal(JSON.parse(small.body.toString()).name, 'm-1');
      const missing = await raw('/api/monitors/nope', { 'accept-encoding': 'br' });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers['content-encoding'], undefined);
      const live = await tocsin.http.request('/api/live', {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'accept-encoding': 'br, gzip' },
      });
      assert.equal(live.headers.get('content-encoding'), null);
      assert.match(live.headers.get('content-type') ?? '', /^text\/event-stream/);
      await live.body?.cancel();
    });
  });
}
