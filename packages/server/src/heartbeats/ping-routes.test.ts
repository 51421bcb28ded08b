import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { pingListener } from './ping-routes.js';

for (const variant of await testDatabases()) {
  describe(`ping bodies and limits on ${variant.name}`, () => {
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const pathOf = async (name: string) => {
      const view = await tocsin.heartbeats.create(tocsin.heartbeats.parse({ name, period: '1h', grace: '5m' }));
      return new URL(view.pingUrl).pathname;
    };

    before(async () => {
      clock = new FakeClock(Date.parse('2026-06-01T12:00:00Z'));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
    });
    after(() => dispose());

    const ping = (path: string, body?: string) =>
      tocsin.http.request(path, body === undefined ? {} : { method: 'POST', body });

    it('stores a body with NUL bytes (as U+FFFD, flagged) and counts the run it ends', async () => {
      const url = await pathOf('nul-job');
      assert.equal((await ping(`${url}/start`)).status, 200);
      const res = await ping(`${url}/0`, 'dump\0ok\0');
      assert.equal(res.status, 200, await res.text());
      const [finish] = (await call(tocsin, 'GET', '/api/heartbeats/nul-job/pings?limit=1')).json.pings;
      assert.deepEqual(
        [finish.body, finish.bodyNulsReplaced, finish.bodyTruncated],
        ['dump\uFFFDok\uFFFD', true, false],
      );
      assert.equal(tocsin.heartbeats.view(tocsin.heartbeats.get('nul-job')).state, 'UP');
      const [start] = (await call(tocsin, 'GET', '/api/heartbeats/nul-job/pings?limit=2')).json.pings.slice(1);
      assert.equal(start.bodyNulsReplaced, false);
    });

    it('a NUL body in a batch does not fail the pings written with it', async () => {
      const urls = await Promise.all(['batch-a', 'batch-b', 'batch-c'].map(pathOf));
      const answers = await Promise.all([ping(urls[0], 'x\0y'), ping(urls[1], 'plain'), ping(`${urls[2]}/fail`, '\0')]);
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200, 200],
      );
      assert.deepEqual(
        ['batch-a', 'batch-b', 'batch-c'].map((n) => tocsin.heartbeats.view(tocsin.heartbeats.get(n)).state),
        ['UP', 'UP', 'DOWN'],
      );
    });

    it('announces the body limit on accepted pings, and Retry-After on 429', async () => {
      const url = await pathOf('chatty');
      const ok = await ping(url);
      assert.equal(ok.headers.get('ping-body-limit'), '100000');
      assert.equal(ok.headers.get('content-length'), '2');
      let limited: Response | undefined;
      for (let i = 0; i < 25 && !limited; i++) {
        const r = await ping(url);
        if (r.status === 429) limited = r;
      }
      assert.ok(limited, 'the 21st ping in a burst is rate limited');
      assert.equal(await limited.text(), 'rate limited');
      assert.equal(limited.headers.get('retry-after'), '1');
      assert.equal(limited.headers.get('ping-body-limit'), null);
      clock.advance(1000);
      assert.equal((await ping(url)).status, 200, 'after Retry-After a ping is taken again');
    });
  });
}

describe('the ping fast path', () => {
  let server: Server;
  const lines: string[] = [];

  before(async () => {
    const logger = createLogger('info', {}, (line) => lines.push(line));
    const listener = pingListener(async () => {
      throw new Error('the database refused the batch');
    }, logger);
    server = createServer((req, res) => {
      if (!listener(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers 500 when a ping fails, and logs what failed with its stack', async () => {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278/fail`, {
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'internal error');
    assert.equal(res.headers.get('content-length'), '14');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]);
    assert.equal(entry.level, 'error');
    assert.equal(entry.path, '/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278/fail');
    assert.equal(entry.method, 'GET');
    assert.equal(entry.err.message, 'the database refused the batch');
    assert.match(entry.err.stack, /ping-routes\.test\.ts/);
  });
});
