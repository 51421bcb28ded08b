/**
 * bench/checks: N HTTP monitors at a fixed interval against a local target,
 * measured over a window: the server's CPU share and RSS, checks a second
 * done against expected, the scheduler's due-to-start lag and database
 * bytes per check. The server runs from the build (`npm run build`), in its
 * own process, on SQLite.
 *
 *   node -C source --import tsx bench/checks/checks-bench.ts [--sizes 1000,5000,10000] [--seconds 120] [--interval 20]
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { cpuSeconds, freePort, histogramQuantile, metric, rssMiB } from './proc-stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,5000,10000' }, seconds: { type: 'string', default: '120' }, interval: { type: 'string', default: '20' } } });
const SIZES = values.sizes!.split(',').map(Number);
const SECONDS = Number(values.seconds);
const INTERVAL = Number(values.interval);
const TOKEN = 'bench-checks-admin-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dbBytes(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const n = (p: string) => Number(db.pragma(p, { simple: true }));
    return (n('page_count') - n('freelist_count')) * n('page_size');
  } finally {
    db.close();
  }
}

async function startTarget(): Promise<{ port: number; stop(): void }> {
  const child = fork(path.join(root, 'bench/notify/receiver-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return { port, stop: () => child.kill() };
}

async function api(base: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(base + p, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return p === '/metrics' ? text : JSON.parse(text);
}

interface Row {
  monitors: number;
  cpu: number;
  rssMax: number;
  done: number;
  expected: number;
  lagP50: number;
  lagP99: number;
  histP99: number;
  bytesPerCheck: number;
}

async function run(size: number, targetPort: number): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-bench-checks-'));
  const port = await freePort();
  const server = spawn(process.execPath, [path.join(root, 'packages/server/dist/cli/main.js'), 'start'], {
    env: { PATH: process.env.PATH ?? '', TOCSIN_DATA_DIR: dir, TOCSIN_PORT: String(port), TOCSIN_ADMIN_TOKEN: TOKEN, TOCSIN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
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
    for (let i = 0; i < size; i += 1000) {
      const monitors = Array.from({ length: Math.min(1000, size - i) }, (_, j) => ({
        name: `m-${i + j}`,
        type: 'http',
        url: `http://127.0.0.1:${targetPort}/t/${i + j}`,
        interval: `${INTERVAL}s`,
        timeout: '5s',
      }));
      await api(base, 'POST', '/api/config/apply', { config: { monitors } });
    }
    const dbFile = path.join(dir, 'tocsin.db');
    const b0 = dbBytes(dbFile);
    await sleep(INTERVAL * 1000);
    const m0 = await api(base, 'GET', '/metrics');
    const cpu0 = cpuSeconds(server.pid!);
    const t0 = performance.now();
    let rssMax = 0;
    while (performance.now() - t0 < SECONDS * 1000) {
      rssMax = Math.max(rssMax, rssMiB(server.pid!));
      await sleep(5000);
    }
    const m1 = await api(base, 'GET', '/metrics');
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = (cpuSeconds(server.pid!) - cpu0) / elapsed;
    rssMax = Math.max(rssMax, rssMiB(server.pid!));
    const checks = (t: string) => metric(t, 'tocsin_checks_total');
    const done = (checks(m1) - checks(m0)) / elapsed;
    const totalChecks = checks(m1);
    server.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000).then(() => server.kill('SIGKILL'))]);
    await exited;
    const b1 = dbBytes(dbFile);
    return {
      monitors: size,
      cpu,
      rssMax,
      done,
      expected: size / INTERVAL,
      lagP50: metric(m1, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.5"'),
      lagP99: metric(m1, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.99"'),
      histP99: histogramQuantile(m0, m1, 'tocsin_scheduler_lag_seconds', 0.99),
      bytesPerCheck: (b1 - b0) / totalChecks,
    };
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!existsSync(path.join(root, 'packages/server/dist/cli/main.js')) || process.env.BENCH_BUILD !== '0') {
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
const target = await startTarget();
try {
  console.log(`${SIZES.join(', ')} HTTP monitors at ${INTERVAL} s, measured over ${SECONDS} s after one interval of warm-up; target on 127.0.0.1:${target.port}`);
  const rows: Row[] = [];
  for (const size of SIZES) {
    const r = await run(size, target.port);
    rows.push(r);
    console.log(
      `monitors ${r.monitors}: cpu ${(r.cpu * 100).toFixed(1)}% of a core, rss max ${r.rssMax.toFixed(0)} MiB, checks/s ${r.done.toFixed(1)} of ${r.expected.toFixed(1)}, lag p50 ${(r.lagP50 * 1000).toFixed(1)} ms p99 ${(r.lagP99 * 1000).toFixed(1)} ms (histogram p99 ≤ ${r.histP99} s), ${r.bytesPerCheck.toFixed(1)} db bytes/check`,
    );
  }
  console.log('\nmonitors  cpu%   rss MiB  checks/s (expected)  lag p50 ms  lag p99 ms  db bytes/check');
  for (const r of rows) {
    console.log(
      `${String(r.monitors).padStart(8)}  ${(r.cpu * 100).toFixed(1).padStart(5)}  ${r.rssMax.toFixed(0).padStart(7)}  ${r.done.toFixed(1).padStart(8)} (${r.expected.toFixed(0)})${' '.repeat(6)}${(r.lagP50 * 1000).toFixed(1).padStart(10)}  ${(r.lagP99 * 1000).toFixed(1).padStart(10)}  ${r.bytesPerCheck.toFixed(1).padStart(14)}`,
    );
  }
  const big = rows.find((r) => r.monitors === 10_000);
  if (big) {
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(
      `\ntargets at 10,000 monitors: p99 lag < 1 s ${verdict(big.lagP99 < 1)}; CPU < 60% ${verdict(big.cpu < 0.6)}; RSS < 400 MB ${verdict(big.rssMax * 1.048576 < 400)}; < 50 db bytes/check ${verdict(big.bytesPerCheck < 50)}; checks/s ${verdict(big.done >= 0.98 * big.expected)}`,
    );
  }
} finally {
  target.stop();
}
