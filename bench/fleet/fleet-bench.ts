/**
 * bench/fleet: N simulated agents (1,000 by default; sim-agents.ts, one process, real WebSocket connections) on
 * one Tocsin server from the build (SQLite). Measures, each against a baseline in the same run:
 *   memory — the server's RSS growth per connected agent, against a bare `ws` server (bare-ws-server.ts)
 *            holding as many connections;
 *   run    — the time from POST /api/commands on all N (expected N) to its verdict, against the bare server
 *            sending one command frame to each and collecting each result (the protocol's floor);
 *   ingest — host datapoints a second taken from `metrics` frames (counted by the server's
 *            tocsin_agent_datapoints_total), against the same datapoints sent as PutMetricData to
 *            POST /api/metrics, 64 requests at a time.
 * Prints figures, asserts nothing.
 *
 *   npm run bench:fleet [-- --agents 1000] [-- --frames 5] [-- --datapoints 20]
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EnrollResponse } from '@tocsin/protocol';
import { rssBytes } from '../checks/proc-stats.js';
import { metric } from '../checks/prom-text.js';
import { startServer } from '../checks/server-process.js';
import { connectAgent, hostMetrics, pool, type SimAgent } from './sim-agents.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    frames: { type: 'string', default: '5' },
    datapoints: { type: 'string', default: '20' },
  },
});
const N = Number(values.agents);
const FRAMES = Number(values.frames);
const POINTS = Number(values.datapoints);
const TOKEN = 'fleet-bench-admin-token-0123456789abcdef';
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(base: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(base + p, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** RSS once it has stopped moving (three readings a second apart within 1 %), after connections settle. */
async function settledRss(pid: number): Promise<number> {
  let last = rssBytes(pid);
  for (let i = 0; i < 10; i++) {
    await sleep(1000);
    const now = rssBytes(pid);
    if (Math.abs(now - last) / last < 0.01) return now;
    last = now;
  }
  return last;
}

async function bareBaseline(creds: EnrollResponse[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/fleet/bare-ws-server.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout });
  const next = async (prefix: string) => {
    for (;;) {
      const [line] = (await once(lines, 'line')) as [string];
      if (line.startsWith(prefix)) return line.slice(prefix.length + 1);
    }
  };
  const port = Number(await next('port'));
  const base = `http://127.0.0.1:${port}`;
  const before = await settledRss(proc.pid!);
  const agents = await pool(creds, 50, (c, i) => connectAgent(base, c, `bare-${i}`));
  const after = await settledRss(proc.pid!);
  proc.stdin.write('broadcast\n');
  const runMs = Number(await next('done'));
  for (const a of agents) a.ws.close();
  proc.stdin.write('exit\n');
  await once(proc, 'exit');
  return { perConnection: (after - before) / creds.length, runMs };
}

async function tocsinRun(base: string): Promise<{ ms: number; status: string; reason: string }> {
  const t0 = performance.now();
  const run = await api(base, 'POST', '/api/commands', {
    command: 'true',
    targets: { tags: { bench: 'fleet' } },
    expected: N,
  });
  for (;;) {
    const r = await api(base, 'GET', `/api/commands/${run.id}`);
    if (r.status !== 'InProgress') return { ms: performance.now() - t0, status: r.status, reason: r.reason ?? '' };
    await sleep(50);
  }
}

async function agentIngest(base: string, agents: SimAgent[]): Promise<number> {
  const scrape = () => fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const counted = async () => metric(await (await scrape()).text(), 'tocsin_agent_datapoints_total');
  const start = await counted();
  const want = start + agents.length * FRAMES * POINTS;
  const t0 = performance.now();
  for (let f = 0; f < FRAMES; f++)
    for (const [i, a] of agents.entries())
      a.send({ type: 'metrics', time: Date.now(), data: hostMetrics(POINTS, i * FRAMES + f) });
  while ((await counted()) < want) await sleep(20);
  return (agents.length * FRAMES * POINTS) / ((performance.now() - t0) / 1000);
}

async function httpIngest(base: string): Promise<number> {
  const bodies = Array.from({ length: N * FRAMES }, (_, k) => ({
    Namespace: 'BenchHttp',
    MetricData: hostMetrics(POINTS, k).map((d) => ({
      MetricName: d.name,
      Value: d.value,
      Unit: d.unit,
      Dimensions: [
        { Name: 'InstanceId', Value: `i-${k % N}` },
        ...Object.entries(d.dimensions).map(([Name, Value]) => ({ Name, Value })),
      ],
    })),
  }));
  const t0 = performance.now();
  await pool(bodies, 64, (b) => api(base, 'POST', '/api/metrics', b));
  return (bodies.length * POINTS) / ((performance.now() - t0) / 1000);
}

const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-fleet-bench-'));
const server = await startServer(root, dir, TOKEN, { TOCSIN_LOG_LEVEL: 'error' });
try {
  console.log(`fleet bench: ${fmt(N)} agents, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}`);
  const { token } = await api(server.base, 'POST', '/api/agents/enrollment-tokens', {
    name: 'bench',
    uses: N,
    expiresIn: '1h',
    tags: { bench: 'fleet' },
  });
  const creds: EnrollResponse[] = await pool(Array.from({ length: N }), 16, async (_, i) => {
    const res = await fetch(`${server.base}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname: `sim-${i}`, tags: { bench: 'fleet' }, version: 'bench' }),
    });
    if (!res.ok) throw new Error(`enrol ${i}: ${res.status} ${await res.text()}`);
    return (await res.json()) as EnrollResponse;
  });
  const before = await settledRss(server.pid);
  const t0 = performance.now();
  const agents = await pool(creds, 50, (c, i) => connectAgent(server.base, c, `sim-${i}`));
  const connectS = (performance.now() - t0) / 1000;
  const after = await settledRss(server.pid);
  const perAgent = (after - before) / N;

  const run = await tocsinRun(server.base);
  const agentRate = await agentIngest(server.base, agents);
  const httpRate = await httpIngest(server.base);
  for (const a of agents) a.ws.close();
  const bare = await bareBaseline(creds);

  console.log(`connected ${fmt(N)} agents in ${connectS.toFixed(1)} s`);
  console.log('| measure | Tocsin | baseline | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| server memory per agent | ${fmt(perAgent / 1024, 1)} KiB | ${fmt(bare.perConnection / 1024, 1)} KiB ` +
      `(bare ws) | ${(perAgent / bare.perConnection).toFixed(1)}× |`,
  );
  console.log(
    `| run on all ${fmt(N)} to its verdict (${run.status}) | ${fmt(run.ms)} ms | ${fmt(bare.runMs)} ms ` +
      `(frames out and back) | ${(run.ms / bare.runMs).toFixed(1)}× |`,
  );
  console.log(
    `| host datapoints a second | ${fmt(agentRate)} (agent frames) | ${fmt(httpRate)} (PutMetricData) ` +
      `| ${(agentRate / httpRate).toFixed(2)}× |`,
  );
  if (run.status !== 'Success') console.log(`run did not succeed: ${run.reason}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
