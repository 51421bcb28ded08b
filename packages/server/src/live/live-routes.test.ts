import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { startHttpServer } from '../http/http-server.js';
import { TEST_ADMIN_TOKEN, call, createTestApp } from '../test-support/test-app.js';
import { readUntil } from '../test-support/event-stream-reader.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('GET /api/live', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite'));
  });
  after(() => dispose());

  it('needs a token', async () => {
    const res = await call(tocsin, 'GET', '/api/live', undefined, null);
    assert.equal(res.status, 401);
  });

  it('answers an event stream that starts with hello, and forgets it when the client goes away', async () => {
    const res = await tocsin.http.request('/api/live', { headers: auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    assert.equal(tocsin.live.size, 1);
    const r = await readUntil(res.body!, (t) => t.includes('\n\n'));
    assert.match(r.text, /^event: hello\ndata: \{"at":\d+\}\n\n/);
    await r.cancel();
    assert.equal(tocsin.live.size, 0);
  });

  it('shows a monitor going down, and its creation and pause', async () => {
    const res = await tocsin.http.request('/api/live', { headers: auth });
    const created = await call(tocsin, 'POST', '/api/monitors', {
      name: 'refused',
      type: 'tcp',
      host: '127.0.0.1',
      port: 1,
      interval: '1m',
      timeout: '2s',
      failureThreshold: 1,
    });
    assert.equal(created.status, 201, created.text);
    await tocsin.monitorRunner.check(tocsin.monitors.get('refused').monitor.id);
    await call(tocsin, 'POST', '/api/monitors/refused/pause');
    const r = await readUntil(res.body!, (t) => t.includes('"state":"PAUSED"'));
    const changes = r.text
      .split('\n\n')
      .filter((m) => m.startsWith('event: change'))
      .map((m) => JSON.parse(m.split('data: ')[1]));
    assert.deepEqual(
      changes.map((c) => [c.type, c.name, c.state]),
      [
        ['monitor', 'refused', 'created'],
        ['monitor', 'refused', 'DOWN'],
        ['monitor', 'refused', 'PAUSED'],
      ],
    );
    assert.equal(typeof changes[1].at, 'number');
    assert.match(changes[1].reason, /refused|ECONNREFUSED/i);
    await r.cancel();
  });
});

describe('live stream, through the HTTP server', () => {
  it('pings every 15 s, and a shutdown ends open streams at once', async () => {
    const clock = new FakeClock();
    const { tocsin, dispose } = await createTestApp('sqlite', { clock });
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, fetch: tocsin.http.fetch });
    try {
      tocsin.start();
      const res = await fetch(`http://127.0.0.1:${server.port}/api/live`, { headers: auth });
      assert.equal(res.status, 200);
      const reading = readUntil(res.body!, (t) => t.includes(': ping\n\n'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await clock.elapse(15_000);
      await reading;
      const started = Date.now();
      tocsin.live.close();
      await server.close();
      assert.ok(Date.now() - started < 2_000, `the server took ${Date.now() - started} ms to close`);
    } finally {
      await server.close();
      await dispose();
    }
  });

  it('drops a client that does not read, and keeps the one that does', async () => {
    const { tocsin, dispose } = await createTestApp('sqlite');
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, fetch: tocsin.http.fetch });
    const stalled = connect(server.port, '127.0.0.1');
    try {
      stalled.pause();
      stalled.write(`GET /api/live HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\n\r\n`);
      const res = await fetch(`http://127.0.0.1:${server.port}/api/live`, { headers: auth });
      const reader = res.body!.getReader();
      const deadline = Date.now() + 5_000;
      while (tocsin.live.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(tocsin.live.size, 2);
      const reason = 'r'.repeat(500);
      const reading = (async () => {
        for (;;) if ((await reader.read()).done) return;
      })();
      for (let round = 0; round < 200 && tocsin.live.size > 1; round++) {
        for (let i = 0; i < 1000; i++)
          tocsin.live.emit({ type: 'monitor', name: `m${i}`, state: 'DOWN', at: i, reason });
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(tocsin.live.size, 1, 'the stalled client is dropped, the reading one stays');
      assert.match(await tocsin.telemetry.render(), /tocsin_live_dropped_total 1/);
      tocsin.live.close();
      await reading;
    } finally {
      stalled.destroy();
      await server.close();
      await dispose();
    }
  });
});
