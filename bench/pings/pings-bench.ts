/**
 * bench/pings: heartbeat pings a second at concurrency 64 over loopback,
 * each durably recorded before it is answered, next to a bare Node HTTP
 * server's rate measured the same way in the same run; p50 and p99 latency.
 *
 *   npm run bench:pings [-- --seconds 30 --concurrency 64 --heartbeats 2000]
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { cpuSeconds, freePort } from '../checks/proc-stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '64' },
    heartbeats: { type: 'string', default: '2000' },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const HEARTBEATS = Number(values.heartbeats);
const TOKEN = 'bench-pings-admin-token-0123456789';

interface Load {
  rate: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

/** Sends GETs to `paths` round robin, CONCURRENCY at a time, for SECONDS. */
async function load(port: number, paths: string[]): Promise<Load> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = new Float64Array(5_000_000);
  let n = 0;
  let ok = 0;
  let failed = 0;
  let next = 0;
  const end = performance.now() + SECONDS * 1000;
  const one = (p: string) =>
    new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const status = await one(paths[next++ % paths.length]);
        if (n < latencies.length) latencies[n++] = performance.now() - t;
        if (status === 200) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = latencies.subarray(0, n).sort();
  return { rate: ok / elapsed, p50: sorted[Math.floor(n * 0.5)], p99: sorted[Math.floor(n * 0.99)], ok, failed };
}

async function bare(): Promise<Load> {
  const child = fork(path.join(root, 'bench/notify/receiver-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  try {
    return await load(port, ['/ping/x']);
  } finally {
    child.kill();
  }
}

async function tocsin(): Promise<Load & { stored: number; cpuShare: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-bench-pings-'));
  const port = await freePort();
  const server = spawn(process.execPath, [path.join(root, 'packages/server/dist/cli/main.js'), 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      TOCSIN_DATA_DIR: dir,
      TOCSIN_PORT: String(port),
      TOCSIN_ADMIN_TOKEN: TOKEN,
      TOCSIN_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('server did not start')), 30_000);
      server.stdout!.on('data', (c) => {
        out += c;
        if (out.includes('Tocsin is running')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    for (let i = 0; i < HEARTBEATS; i += 1000) {
      const heartbeats = Array.from({ length: Math.min(1000, HEARTBEATS - i) }, (_, j) => ({
        name: `job-${i + j}`,
        period: '1h',
        grace: '10m',
      }));
      const res = await fetch(`${base}/api/config/apply`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ config: { heartbeats } }),
      });
      if (!res.ok) throw new Error(`apply: ${res.status} ${await res.text()}`);
    }
    const list = (await (await fetch(`${base}/api/heartbeats`, { headers })).json()) as {
      heartbeats: { pingUrl: string }[];
    };
    const paths = list.heartbeats.map((h) => new URL(h.pingUrl).pathname);
    const cpu0 = cpuSeconds(server.pid!);
    const t0 = performance.now();
    const result = await load(port, paths);
    const cpuShare = (cpuSeconds(server.pid!) - cpu0) / ((performance.now() - t0) / 1000);
    server.kill('SIGTERM');
    await exited;
    const db = new Database(path.join(dir, 'tocsin.db'), { readonly: true });
    const stored = Number((db.prepare('select count(*) as n from heartbeat_pings').get() as { n: number }).n);
    db.close();
    return { ...result, stored, cpuShare };
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const b = await bare();
console.log(
  `bare node:http server: ${b.rate.toFixed(0)} requests/s, p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms ` +
    `(concurrency ${CONCURRENCY}, ${SECONDS} s)`,
);
const t = await tocsin();
console.log(
  `tocsin pings (SQLite, ${HEARTBEATS} heartbeats): ${t.rate.toFixed(0)} pings/s, ` +
    `p50 ${t.p50.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms, ${t.failed} not 200; ` +
    `server CPU ${(t.cpuShare * 100).toFixed(0)}% of a core`,
);
console.log(
  `ratio to bare: ${(t.rate / b.rate).toFixed(2)}; answered OK ${t.ok}, stored ${t.stored} ` +
    `(every answered ping is in the database: ${t.stored >= t.ok ? 'yes' : 'NO'})`,
);
console.log(
  `targets: ≥ 10,000 pings/s ${t.rate >= 10_000 ? 'met' : 'NOT met'}; ` +
    `≥ 40% of bare ${t.rate / b.rate >= 0.4 ? 'met' : 'NOT met'}; p99 < 20 ms ${t.p99 < 20 ? 'met' : 'NOT met'}`,
);
