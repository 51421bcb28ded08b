import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../core/clock.js';
import { startHttpServer, type HttpServer } from '../../http/http-server.js';
import { readUntil } from '../../test-support/event-stream-reader.js';
import { TEST_ADMIN_TOKEN, call, createTestApp } from '../../test-support/test-app.js';
import type { LogModulesOptions } from '../log-modules.js';
import { logEvent } from '../../test-support/log-event-fixture.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

async function tailServer(options: LogModulesOptions['tail'] = {}, clock?: FakeClock) {
  const { tocsin, dispose } = await createTestApp('sqlite', { clock, logs: { tail: options } });
  const tail = tocsin.logModules.tail;
  // fetch (undici) opens a spare connection once a body is cancelled, and never sends on it: the server's close
  // waits for it up to its deadline.
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    fetch: tocsin.http.fetch,
    shutdownDeadlineMs: 500,
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    tail,
    tocsin,
    server,
    url,
    accept: (events: Parameters<typeof logEvent>[0][]) =>
      tocsin.logs.pipeline.accept(
        events.map((e) => logEvent(e)),
        { format: 'test' },
        100,
        Date.now(),
      ),
    async close() {
      tail.hub.close();
      await server.close();
      await dispose();
    },
  };
}

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function logs(text: string): { group: string; message: string; level: number }[] {
  return text
    .split('\n\n')
    .filter((m) => m.startsWith('event: log\n'))
    .map((m) => JSON.parse(m.slice('event: log\ndata: '.length)));
}

describe('GET /api/logs/tail, over a real server', () => {
  let s: Awaited<ReturnType<typeof tailServer>>;
  before(async () => {
    s = await tailServer({ maxTails: 3 });
  });
  after(() => s.close());

  it('needs a token with the read scope', async () => {
    const res = await call(s.tocsin, 'GET', '/api/logs/tail', undefined, null);
    assert.equal(res.status, 401);
  });

  it('answers a bad pattern with a 400 that names the field and the position', async () => {
    const res = await call(s.tocsin, 'GET', `/api/logs/tail?pattern=${encodeURIComponent('{ $.level = }')}`);
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /^pattern: filter pattern: expected .* at character 13/);
    assert.equal(res.json.error.details.position, 12);
    assert.equal(res.json.error.details.issues[0].path, 'pattern');
    const level = await call(s.tocsin, 'GET', '/api/logs/tail?level=loud');
    assert.equal(level.status, 400);
    assert.match(level.json.error.message, /^level: 'loud' is not a level/);
    const group = await call(s.tocsin, 'GET', '/api/logs/tail?group=bad%20name');
    assert.equal(group.status, 400);
    assert.match(group.json.error.message, /^group:/);
    assert.equal(s.tail.hub.size, 0);
  });

  it('streams the accepted events its filter matches, as they come', async () => {
    const q = new URLSearchParams({ group: 'checkout', pattern: '{ $.status >= 500 }', level: 'warn' });
    const res = await fetch(`${s.url}/api/logs/tail?${q}`, { headers: auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    await until('the tail opening', () => s.tail.hub.size === 1);
    s.accept([
      { group: 'checkout', level: 17, message: '{"status":503,"path":"/pay"}' },
      { group: 'checkout', level: 17, message: '{"status":200,"path":"/pay"}' },
      { group: 'search', level: 17, message: '{"status":500,"path":"/q"}' },
      { group: 'checkout', level: 9, message: '{"status":502,"path":"/info"}' },
    ]);
    s.accept([{ group: 'checkout', level: 21, message: '{"status":500,"path":"/last"}' }]);
    const r = await readUntil(res.body!, (t) => t.includes('/last'));
    assert.deepEqual(
      logs(r.text).map((e) => JSON.parse(e.message).path),
      ['/pay', '/last'],
    );
    assert.equal(logs(r.text)[0].group, 'checkout');
    await s.tocsin.logs.writer.flush(true);
    const stored = await call(s.tocsin, 'GET', '/api/logs/query?group=checkout');
    assert.equal(stored.status, 200);
    assert.equal(stored.json.events.length, 4, 'the tail takes nothing from storage');
    await r.cancel();
    await until('the tail being forgotten', () => s.tail.hub.size === 0);
  });

  it('follows every group when none is given', async () => {
    const res = await fetch(`${s.url}/api/logs/tail?pattern=boom`, { headers: auth });
    await until('the tail opening', () => s.tail.hub.size === 1);
    s.accept([
      { group: 'a', message: 'boom 1' },
      { group: 'b', message: 'quiet' },
      { group: 'c', message: 'boom 2' },
    ]);
    const r = await readUntil(res.body!, (t) => t.includes('boom 2'));
    assert.deepEqual(
      logs(r.text).map((e) => e.group),
      ['a', 'c'],
    );
    await r.cancel();
    await until('the tail being forgotten', () => s.tail.hub.size === 0);
  });

  it('refuses a tail past the cap with a 429 and Retry-After', async () => {
    const open = await Promise.all([1, 2, 3].map(() => fetch(`${s.url}/api/logs/tail`, { headers: auth })));
    assert.deepEqual(
      open.map((r) => r.status),
      [200, 200, 200],
    );
    const refused = await fetch(`${s.url}/api/logs/tail`, { headers: auth });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(
      ((await refused.json()) as { error: { message: string } }).error.message,
      /as many live tails as it may/,
    );
    for (const r of open) await r.body!.cancel();
    await until('the tails being forgotten', () => s.tail.hub.size === 0);
  });
});

describe('a slow tail, through the HTTP server', () => {
  it('keeps a bounded queue, never slows ingest, and tells the client how many it left out', async () => {
    const s = await tailServer({ maxQueuedEvents: 100 });
    const stalled = connect(s.server.port, '127.0.0.1');
    try {
      stalled.pause();
      stalled.write(`GET /api/logs/tail HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\n\r\n`);
      await until('the tail opening', () => s.tail.hub.size === 1);
      const message = 'm'.repeat(4096);
      let dropped = 0;
      let slowest = 0;
      for (let round = 0; round < 2000 && dropped === 0; round++) {
        const started = performance.now();
        s.accept(Array.from({ length: 100 }, () => ({ message })));
        slowest = Math.max(slowest, performance.now() - started);
        await new Promise((r) => setImmediate(r));
        dropped = Number(/tocsin_logs_tail_dropped_total (\d+)/.exec(await s.tocsin.telemetry.render())?.[1] ?? 0);
      }
      assert.ok(dropped > 0, 'the stalled client fell behind');
      assert.ok(slowest < 200, `a batch of 100 took ${slowest.toFixed(1)} ms to accept`);
      // Storage keeps what it has not written: flushing it as ingest goes leaves the tail's queue to measure.
      await s.tocsin.logs.writer.flush(true);
      const rss = process.memoryUsage().rss;
      for (let i = 0; i < 200; i++) {
        s.accept(Array.from({ length: 100 }, () => ({ message })));
        if (i % 10 === 9) await s.tocsin.logs.writer.flush(true);
      }
      assert.ok(process.memoryUsage().rss - rss < 64 * 1024 * 1024, 'memory does not grow with what is left out');
      let text = '';
      stalled.setEncoding('utf8');
      stalled.on('data', (c: string) => (text += c));
      stalled.resume();
      await until('the dropped count', () => /event: dropped\ndata: \{"count":\d+\}/.test(text));
      const count = Number(/event: dropped\ndata: \{"count":(\d+)\}/.exec(text)![1]);
      assert.ok(count >= 20_000, `${count} left out`);
      s.accept([{ message: 'caught up' }]);
      await until('the tail following again', () => text.includes('caught up'));
    } finally {
      stalled.destroy();
      await s.close();
    }
  });
});

describe('tail pings and shutdown', () => {
  it('pings every 15 s, and ending the streams lets the server close at once', async () => {
    const clock = new FakeClock();
    const s = await tailServer({}, clock);
    let server: HttpServer | undefined = s.server;
    try {
      s.tocsin.start();
      const res = await fetch(`${s.url}/api/logs/tail`, { headers: auth });
      const reading = readUntil(res.body!, (t) => t.includes(': ping\n\n'));
      await until('the tail opening', () => s.tail.hub.size === 1);
      await clock.elapse(15_000);
      await reading;
      const started = Date.now();
      for (const m of s.tocsin.modules) m.endStreams?.();
      await server.close();
      server = undefined;
      assert.ok(Date.now() - started < 2_000, `the server took ${Date.now() - started} ms to close`);
    } finally {
      await s.close();
    }
  });
});
