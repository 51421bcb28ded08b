/**
 * A monitor checked from the server and two real agent processes started with `--allow-probes` (and a third
 * without it, which is not asked): the agents run the probe with the server's own probe code and answer it;
 * when the target stops, every location reports it and the monitor goes down once, naming them; when it is
 * back, up. The server runs in this process on a fake clock (started at the real time, so the agents take
 * the frames' deadlines), its checks driven by the scheduler.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../packages/server/src/app.js';
import { FakeClock } from '../packages/server/src/core/clock.js';
import { startHttpServer, type HttpServer } from '../packages/server/src/http/http-server.js';
import { waitFor } from '../packages/server/src/test-support/test-agent.js';
import { call, createTestApp } from '../packages/server/src/test-support/test-app.js';
import { childEnv, repoRoot, tsxArgs } from './support/server-process.js';

describe('a monitor checked from real agents', () => {
  const clock = new FakeClock(Date.now());
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  let server: HttpServer;
  let dir: string;
  const agents: ChildProcess[] = [];
  let target: net.Server | undefined;
  let port = 0;
  let out = '';

  const listen = async () => {
    target = net.createServer((s) => s.end());
    await new Promise<void>((r) => target!.listen(port, '127.0.0.1', r));
    port = (target.address() as net.AddressInfo).port;
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    for (let n = await tocsin.scheduler.runDue(); n > 0; n = await tocsin.scheduler.runDue());
  };
  const shop = async () => (await call(tocsin, 'GET', '/api/monitors/shop')).json;

  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite', { clock }));
    server = await startHttpServer({ host: '127.0.0.1', port: 0, fetch: tocsin.http.fetch, upgrades: tocsin.upgrades });
    await listen();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-locations-'));
    const token = (await call(tocsin, 'POST', '/api/agents/enrollment-tokens', { uses: 3 })).json.token;
    for (const [name, probes] of [
      ['edge-1', true],
      ['edge-2', true],
      ['edge-3', false],
    ] as const) {
      const args = ['--url', `http://127.0.0.1:${server.port}`, '--enroll', token, '--name', name];
      args.push('--state-dir', path.join(dir, name), '--tag', 'role=edge', ...(probes ? ['--allow-probes'] : []));
      const agent = spawn(process.execPath, [...tsxArgs, path.join(repoRoot, 'packages/agent/src/main.ts'), ...args], {
        env: childEnv({}),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      agent.stderr!.on('data', (c) => (out += c));
      agents.push(agent);
    }
    await waitFor(
      async () => {
        const list = (await call(tocsin, 'GET', '/api/agents')).json.agents as { id: string; probes: boolean }[];
        return list.length === 3 && list.every((a) => tocsin.fleet.hub.isConnectedHere(a.id)) ? list : undefined;
      },
      30_000,
      'three agents connected',
    );
    assert.equal((await call(tocsin, 'POST', '/api/topics', { name: 'ops' })).status, 201);
  });
  after(async () => {
    for (const agent of agents)
      if (agent.exitCode === null) {
        const exited = new Promise((r) => agent.once('exit', r));
        agent.kill('SIGTERM');
        await exited;
      }
    await new Promise((r) => (target ? target.close(r) : r(undefined)));
    await server?.close();
    await dispose?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the agents as locations, goes down once when all fail, and comes back', async () => {
    const listed = (await call(tocsin, 'GET', '/api/agents')).json.agents as { hostname: string; probes: boolean }[];
    assert.deepEqual(listed.map((a) => [a.hostname, a.probes]).sort(), [
      ['edge-1', true],
      ['edge-2', true],
      ['edge-3', false],
    ]);
    const created = await call(tocsin, 'POST', '/api/monitors', {
      name: 'shop',
      type: 'tcp',
      host: '127.0.0.1',
      port,
      interval: '30s',
      timeout: '2s',
      topics: ['ops'],
      locations: { agents: { role: 'edge' } },
    });
    assert.equal(created.status, 201, created.text);
    await advance(10_000);
    let s = await shop();
    assert.equal(s.state, 'UP', out);
    assert.deepEqual(
      s.locationResults.map((l: { label: string; status: string }) => `${l.label}=${l.status}`),
      ['server=up', 'edge-1=up', 'edge-2=up'],
      out,
    );
    assert.match(s.lastResult.reason, /^up from 3 of 3 locations$/);

    await new Promise((r) => target!.close(r));
    target = undefined;
    await advance(30_000);
    s = await shop();
    assert.equal(s.state, 'DOWN');
    const downs = await tocsin.handle.db.selectFrom('events').selectAll().where('kind', '=', 'monitor.down').execute();
    assert.equal(downs.length, 1);
    assert.match(
      downs[0].text,
      /down from 3 of 3 locations \(quorum 2\): server: connection refused; edge-1: connection refused; edge-2: conn/,
    );

    await listen();
    await advance(30_000);
    s = await shop();
    assert.equal(s.state, 'UP');
    const kinds = (await tocsin.handle.db.selectFrom('events').select('kind').execute()).map((e) => e.kind);
    assert.deepEqual(kinds.filter((k) => k.startsWith('monitor.')).sort(), ['monitor.down', 'monitor.up']);
  });
});
