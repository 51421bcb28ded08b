import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from './app.js';
import { runRetention, type AppModule, type ModuleFactory } from './app-module.js';
import { FakeClock } from './core/clock.js';
import type { Logger } from './core/logger.js';
import { startHttpServer } from './http/http-server.js';
import { handle, route } from './http/route-kit.js';
import { call, createTestApp } from './test-support/test-app.js';
import { testDatabases } from './test-support/test-databases.js';

const variants = await testDatabases();
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A logger that keeps its warnings, to assert on them. */
function recordingLogger(): Logger & { warnings: { msg: string; fields?: Record<string, unknown> }[] } {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    warnings,
    debug() {},
    info() {},
    error() {},
    warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push({ msg, fields }),
    child: () => logger,
  };
  return logger;
}

/** A whole capability in one factory: a route, a config section, a periodic job, retention and close. */
function widgetsModule(events: string[], dir: string): ModuleFactory {
  return (ctx): AppModule => {
    ctx.every({
      name: 'widget-tick',
      everyMs: 60_000,
      run: async (dueAt) => void events.push(`tick ${dueAt - ctx.clock.now()}`),
    });
    return {
      name: 'widgets',
      routes: (app) =>
        handle(
          app,
          route(ctx.tokens, {
            method: 'get',
            path: '/api/widgets',
            scope: 'read',
            summary: 'Widgets',
            tags: ['widgets'],
          }),
          (c) => c.json({ widgets: ['a'] }),
        ),
      configSections: [
        {
          key: 'widgets',
          plan: async () => ({ changes: [], apply: async () => {} }),
          export: async () => [{ name: 'a' }],
        },
      ],
      retention: [{ domain: 'widgets', prune: async (now) => void events.push(`prune ${now}`) }],
      statics: [{ prefix: '/widgets-ui', dir }],
      upgrades: [
        { prefix: '/widgets/live', handler: (_req, socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n') },
      ],
      load: async () => void events.push('load'),
      start: () => void events.push('start'),
      close: async () => void events.push('close'),
    };
  };
}

describe('a module plugged in with one line (extraModules)', () => {
  const events: string[] = [];
  const clock = new FakeClock();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-widgets-'));
  writeFileSync(path.join(dir, 'index.html'), '<p>widgets</p>');
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(
    async () =>
      ({ tocsin, dispose } = await createTestApp('sqlite', { clock, extraModules: [widgetsModule(events, dir)] })),
  );
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is loaded, and its route and config section are served', async () => {
    assert.deepEqual(events, ['load']);
    const res = await call(tocsin, 'GET', '/api/widgets');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { widgets: ['a'] });
    assert.equal(
      (await call(tocsin, 'GET', '/api/widgets', undefined, null)).status,
      401,
      "behind the route kit's auth",
    );
    assert.deepEqual((await tocsin.config.export()).widgets, [{ name: 'a' }]);
  });

  it('has its static directory and its upgrade prefix served by the HTTP server', async () => {
    const server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      fetch: tocsin.http.fetch,
      upgrades: tocsin.upgrades,
      statics: tocsin.statics,
    });
    try {
      const page = await fetch(`http://127.0.0.1:${server.port}/widgets-ui/`);
      assert.equal(page.status, 200);
      assert.equal(await page.text(), '<p>widgets</p>');
      // A browser's page load too: the UI's catch-all at / comes after the module's own prefix.
      const load = await fetch(`http://127.0.0.1:${server.port}/widgets-ui/`, { headers: { accept: 'text/html' } });
      assert.equal(await load.text(), '<p>widgets</p>');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () =>
          socket.write('GET /widgets/live HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
        );
        let got = '';
        socket.on('data', (d) => (got += d));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 101 /);
    } finally {
      await server.close();
    }
  });

  it('runs its scheduler job on the injected clock, and its retention in the hourly job', async () => {
    tocsin.start();
    assert.deepEqual(events.slice(1), ['start']);
    clock.advance(60_000);
    await tocsin.scheduler.runDue();
    assert.deepEqual(events.slice(2), ['tick 0']);
    clock.advance(HOUR - 60_000);
    await tocsin.scheduler.runDue();
    assert.ok(events.includes(`prune ${clock.now()}`), events.join(', '));
  });

  it('is closed with the app, after the scheduler stopped', async () => {
    await dispose();
    assert.equal(events.at(-1), 'close');
  });
});

for (const [i, variant] of variants.entries()) {
  describe(`retention on ${variant.name}`, () => {
    // Ping ids are UUIDv7, monotonic in the process: each variant starts after the last one's time.
    const clock = new FakeClock(Date.UTC(2027, 0, 1) + i * 30 * DAY);
    const logger = recordingLogger();
    const pruned: number[] = [];
    const failing: ModuleFactory = () => ({
      name: 'broken',
      retention: [{ domain: 'broken', prune: () => Promise.reject(new Error('disk on fire')) }],
    });
    const after1: ModuleFactory = () => ({
      name: 'after',
      retention: [{ domain: 'after', prune: async (now) => void pruned.push(now) }],
    });
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, {
        clock,
        logger,
        extraModules: [failing, after1],
        flags: { 'retention-pings': '2d' },
      }));
    });
    after(() => dispose());

    it('prunes pings past their setting hourly; a failing domain is logged by name, the others still run', async () => {
      const view = await tocsin.heartbeats.create(
        tocsin.heartbeats.parse({ name: 'nightly', period: '1d', grace: '1h' }),
      );
      assert.equal((await tocsin.http.request(`/ping/${view.pingUrl.split('/').pop()}`)).status, 200);
      await tocsin.pingWriter.drain();
      assert.equal((await tocsin.heartbeats.pings('nightly', 10)).length, 1);
      tocsin.start();
      clock.advance(HOUR);
      await tocsin.scheduler.runDue();
      assert.equal((await tocsin.heartbeats.pings('nightly', 10)).length, 1, 'one hour old: kept');
      assert.deepEqual(pruned, [clock.now()], 'the domain after the failing one ran');
      assert.deepEqual(
        logger.warnings.filter((w) => w.msg === 'retention failed').map((w) => w.fields?.domain),
        ['broken'],
      );
      clock.advance(2 * DAY);
      await tocsin.scheduler.runDue();
      assert.equal((await tocsin.heartbeats.pings('nightly', 10)).length, 0, 'older than 2d: pruned');
      assert.equal(pruned.length, 2, 'a late run catches up once, not once per missed hour');
    });
  });
}

describe('runRetention', () => {
  it('runs every task in order with the same time, whatever fails', async () => {
    const logger = recordingLogger();
    const ran: string[] = [];
    await runRetention(
      [
        { domain: 'a', prune: async () => void ran.push('a') },
        {
          domain: 'b',
          prune: async () => {
            throw new Error('no');
          },
        },
        { domain: 'c', prune: async (now) => void ran.push(`c ${now}`) },
      ],
      42,
      logger,
    );
    assert.deepEqual(ran, ['a', 'c 42']);
    assert.deepEqual(
      logger.warnings.map((w) => [w.msg, w.fields?.domain]),
      [['retention failed', 'b']],
    );
  });
});
