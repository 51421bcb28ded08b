import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpReceiver, waitFor } from '../packages/server/src/test-support/http-receiver.js';
import { api, runCli, startServer, type ServerProcess } from './support/server-process.js';

const TOKEN = 'monitors-e2e-admin-token-0123456789';
const MONITORS = 50;
const FAILING = 10;
const INTERVAL_S = 5;
const TIMEOUT_S = 2;

describe('uptime monitors end to end', () => {
  let targets: HttpReceiver;
  let hooks: HttpReceiver;
  let server: ServerProcess;
  let dir: string;
  const failing = new Set<number>();
  const arrivals: { kind: string; monitor: string; at: number }[] = [];

  before(async () => {
    targets = await new HttpReceiver().start();
    targets.respond = (req) =>
      failing.has(Number(req.path.split('/')[2])) ? { status: 500, body: 'boom' } : { status: 200, body: 'OK' };
    hooks = await new HttpReceiver().start();
    hooks.respond = (req) => {
      const e = req.json().event;
      arrivals.push({ kind: e.kind, monitor: e.source.name, at: Date.now() });
      return { status: 200 };
    };
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-monitors-'));
    server = await startServer({ TOCSIN_DATA_DIR: dir, TOCSIN_ADMIN_TOKEN: TOKEN });
  });
  after(async () => {
    await server?.stop();
    await targets.stop();
    await hooks.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const states = async () =>
    (await api(server.url, TOKEN, 'GET', '/api/monitors')).json.monitors as {
      name: string;
      state: string;
      lastCheckAt: string | null;
    }[];
  const count = (kind: string) => arrivals.filter((a) => a.kind === kind).length;
  const failingNames = () => [...failing].map((i) => `site-${i}`);
  /**
   * Waits for a whole check round after `since`: each of `names` checked again
   * (its result applied) and nothing left in the outbox, so that a repeated
   * notification, had that round made one, has arrived. Not a fixed sleep.
   */
  async function checkedAgain(names: string[], since: number, what: string): Promise<void> {
    await waitFor(
      async () => {
        const byName = new Map((await states()).map((m) => [m.name, m.lastCheckAt]));
        if (!names.every((n) => Date.parse(byName.get(n) ?? '') > since)) return false;
        return (
          (await api(server.url, TOKEN, 'GET', '/api/deliveries?topic=ops&status=pending')).json.deliveries.length === 0
        );
      },
      what,
      (INTERVAL_S + TIMEOUT_S) * 1000 + 10_000,
    );
  }

  it('notifies exactly the monitors that changed, once, across a restart', async () => {
    const monitors = Array.from({ length: MONITORS }, (_, i) => ({
      name: `site-${i}`,
      type: 'http',
      url: `${targets.url}/t/${i}`,
      interval: `${INTERVAL_S}s`,
      timeout: `${TIMEOUT_S}s`,
      topics: ['ops'],
    }));
    const config = {
      topics: [{ name: 'ops', subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/hook` }] }],
      monitors,
    };
    const applied = await api(server.url, TOKEN, 'POST', '/api/config/apply', { config });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    assert.equal(applied.json.changes.length, 1 + MONITORS);

    await waitFor(async () => (await states()).every((m) => m.state === 'UP'), 'all monitors up', 20_000);
    assert.equal(arrivals.length, 0, 'coming up the first time is not news');

    const failedAt = Date.now();
    for (let i = 0; i < FAILING; i++) failing.add(i * 5);
    await waitFor(() => count('monitor.down') >= FAILING, `${FAILING} down notifications`, 20_000);
    const bound = (INTERVAL_S * 1 + TIMEOUT_S + 1) * 1000;
    for (const a of arrivals)
      assert.ok(a.at - failedAt <= bound, `${a.monitor} was announced after ${a.at - failedAt} ms (bound ${bound} ms)`);
    assert.deepEqual(new Set(arrivals.map((a) => a.monitor)), new Set([...failing].map((i) => `site-${i}`)));

    await checkedAgain(
      failingNames(),
      Math.max(...arrivals.map((a) => a.at)),
      'a check round of the failing monitors after their down',
    );
    assert.equal(count('monitor.down'), FAILING, 'no repeats while down');

    await server.stop();
    server = await startServer({ TOCSIN_DATA_DIR: dir, TOCSIN_ADMIN_TOKEN: TOKEN });
    await checkedAgain(
      monitors.map((m) => m.name),
      Date.now(),
      'a check round of every monitor after the restart',
    );
    const afterRestart = await states();
    assert.equal(afterRestart.filter((m) => m.state === 'DOWN').length, FAILING);
    assert.equal(arrivals.length, FAILING, 'a restart repeats nothing');
    const cliEnv = { TOCSIN_URL: server.url, TOCSIN_TOKEN: TOKEN };
    const list = await runCli(['monitors', 'list'], cliEnv);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+STATE\s+TYPE\s+TARGET\s+LAST CHECK\s+LATENCY\s+UP 24H\s+UP 30D$/m);
    assert.match(list.stdout, /^site-0\s+DOWN\s+http\s+http:\/\/127\.0\.0\.1:\d+\/t\/0\s/m);
    const show = await runCli(['monitors', 'show', 'site-0'], cliEnv);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /status 500, expected 200/);
    // The history keeps each failure's reason, before and after the restart (the packed results), as lastResult does.
    const downRows = show.stdout.split('\n').filter((l) => /^\S+Z\s+DOWN\s/.test(l));
    assert.ok(downRows.length >= 2, show.stdout);
    for (const row of downRows) assert.match(row, /DOWN\s+\d+ ms\s+status 500, expected 200/, row);
    const history = await api(server.url, TOKEN, 'GET', '/api/monitors/site-0/results?limit=100');
    const failed = history.json.results.filter((r: { up: boolean }) => !r.up);
    assert.ok(
      failed.length >= 2 && failed.every((r: { reason: string }) => /^status 500, expected 200/.test(r.reason)),
      JSON.stringify(failed),
    );

    const recovered = failingNames();
    failing.clear();
    await waitFor(() => count('monitor.up') >= FAILING, `${FAILING} recoveries`, 20_000);
    await checkedAgain(
      recovered,
      Math.max(...arrivals.map((a) => a.at)),
      'a check round of the recovered monitors after their up',
    );
    assert.equal(count('monitor.up'), FAILING);
    assert.equal(count('monitor.down'), FAILING);
    assert.equal(arrivals.length, 2 * FAILING);
  });
});
