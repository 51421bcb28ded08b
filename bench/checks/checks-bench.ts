/**
 * bench/checks: N HTTP monitors at a fixed interval against a local target,
 * measured over a window: the server's CPU share of one core and RSS, checks
 * a second done against expected, the scheduler's due-to-start lag and
 * database bytes per check. Each size gets a fresh data dir and a fresh
 * server from the build, on SQLite. Prints figures, asserts nothing.
 *
 *   node -C source --import tsx bench/checks/checks-bench.ts [--sizes 1000,5000,10000] [--seconds 120] [--interval 20]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { clockTicks, cpuSeconds, rssBytes } from './proc-stats.js';
import { histogramQuantile, metric } from './prom-text.js';
import { startServer, type ServerProcess } from './server-process.js';
import { bareRate, startTarget } from './target-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,5000,10000' },
    seconds: { type: 'string', default: '120' },
    interval: { type: 'string', default: '20' },
  },
});
const SIZES = values.sizes!.split(',').map(Number);
const INTERVAL = Number(values.interval);
if (SIZES.some((n) => !Number.isInteger(n) || n < 1) || !(Number(values.seconds) >= 5) || !(INTERVAL >= 1)) {
  console.error('usage: checks-bench.ts [--sizes 1000,5000,10000] [--seconds 120 (≥ 5)] [--interval 20]');
  process.exit(2);
}
// New monitors make their first checks within 5 s and then run every interval, so checks come in waves:
// a window of whole intervals counts each wave once whatever its phase.
const SECONDS = Math.ceil(Number(values.seconds) / INTERVAL) * INTERVAL;
const TOKEN = 'bench-checks-admin-token-0123456789';
const CHUNK = 1000;
const RSS_EVERY_MS = 5000;
const CHECK_JOB = 'job="monitor-check"';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes in used pages; a reader of a WAL database sees the committed frames of the WAL too. */
function dbBytes(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const n = (p: string) => Number(db.pragma(p, { simple: true }));
    return (n('page_count') - n('freelist_count')) * n('page_size');
  } finally {
    db.close();
  }
}

async function api(base: string, method: 'GET' | 'POST', p: string, body?: unknown): Promise<string> {
  const res = await fetch(base + p, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

async function createMonitors(base: string, size: number, targetPort: number): Promise<void> {
  for (let i = 0; i < size; i += CHUNK) {
    const monitors = Array.from({ length: Math.min(CHUNK, size - i) }, (_, j) => ({
      name: `m-${i + j + 1}`,
      type: 'http',
      url: `http://127.0.0.1:${targetPort}/t/${i + j + 1}`,
      interval: `${INTERVAL}s`,
      timeout: '5s',
    }));
    await api(base, 'POST', '/api/config/apply', { config: { monitors } });
  }
}

interface Row {
  monitors: number;
  applySeconds: number;
  scheduled: number;
  windowSeconds: number;
  expected: number;
  done: number;
  downShare: number;
  cpu: number;
  targetCpu: number;
  rssMax: number;
  rssLast: number;
  lagP50: number;
  lagP99: number;
  histP99: number;
  totalChecks: number;
  dbGrowth: number;
  bytesPerCheck: number;
  stop: string;
}

function assertRunning(server: ServerProcess): void {
  const code = server.exitCode();
  if (code !== null) throw new Error(`server exited (${code}) during the run`);
}

/** Samples RSS every 5 s and checks the server is alive until the window ends. */
async function watch(server: ServerProcess, seconds: number): Promise<{ max: number; last: number }> {
  const end = performance.now() + seconds * 1000;
  let max = 0;
  let last = 0;
  for (;;) {
    assertRunning(server);
    last = rssBytes(server.pid);
    max = Math.max(max, last);
    const left = end - performance.now();
    if (left <= 0) return { max, last };
    await sleep(Math.min(RSS_EVERY_MS, left));
  }
}

async function run(size: number, target: { port: number; pid: number }): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-bench-checks-'));
  let server: ServerProcess | undefined;
  try {
    server = await startServer(root, dir, TOKEN);
    const a0 = performance.now();
    await createMonitors(server.base, size, target.port);
    const applySeconds = (performance.now() - a0) / 1000;
    const dbFile = path.join(dir, 'tocsin.db');
    const b0 = dbBytes(dbFile);
    await sleep(INTERVAL * 1000);
    assertRunning(server);

    const m0 = await api(server.base, 'GET', '/metrics');
    const cpu0 = cpuSeconds(server.pid);
    const tcpu0 = cpuSeconds(target.pid);
    const t0 = performance.now();
    const rss = await watch(server, SECONDS);
    const m1 = await api(server.base, 'GET', '/metrics');
    const cpu1 = cpuSeconds(server.pid);
    const tcpu1 = cpuSeconds(target.pid);
    const windowSeconds = (performance.now() - t0) / 1000;

    const checks = (t: string, ...l: string[]) => metric(t, 'tocsin_checks_total', ...l);
    const inWindow = checks(m1) - checks(m0);
    const down = checks(m1, 'result="down"') - checks(m0, 'result="down"');
    const totalChecks = checks(m1);
    const stopped = await server.stop();
    const dbGrowth = dbBytes(dbFile) - b0;
    return {
      monitors: size,
      applySeconds,
      scheduled: metric(m1, 'tocsin_scheduler_items', CHECK_JOB),
      windowSeconds,
      expected: size / INTERVAL,
      done: inWindow / windowSeconds,
      downShare: inWindow ? down / inWindow : 0,
      cpu: (cpu1 - cpu0) / windowSeconds,
      targetCpu: (tcpu1 - tcpu0) / windowSeconds,
      rssMax: rss.max,
      rssLast: rss.last,
      lagP50: metric(m1, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.5"'),
      lagP99: metric(m1, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.99"'),
      histP99: histogramQuantile(m0, m1, 'tocsin_scheduler_lag_seconds', 0.99, CHECK_JOB),
      totalChecks,
      dbGrowth,
      bytesPerCheck: totalChecks ? dbGrowth / totalChecks : NaN,
      stop: stopped.killed
        ? `SIGKILL after ${stopped.seconds.toFixed(0)} s`
        : `exit ${stopped.code} in ${stopped.seconds.toFixed(1)} s`,
    };
  } catch (err) {
    const tail = server?.stderrTail() ?? [];
    throw new Error(
      `${(err as Error).message}${tail.length ? `\nlast lines of the server's stderr:\n  ${tail.join('\n  ')}` : ''}`,
    );
  } finally {
    if (server && server.exitCode() === null) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
const ms = (seconds: number) => (seconds * 1000).toFixed(1);
const pad = (cells: string[], widths: number[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');

function printTable(rows: Row[], bare: { keepAlive: number; fresh: number }): void {
  const head = [
    'monitors',
    'checks/s',
    'expected',
    'done %',
    'down %',
    'cpu % core',
    'rss max MB',
    'rss last MB',
    'lag p50 ms',
    'lag p99 ms',
    'hist p99 ≤ s',
    'db B/check',
    'exp % of bare',
    'exp % of fresh',
  ];
  const widths = head.map((h) => Math.max(h.length, 8));
  console.log(pad(head, widths));
  for (const r of rows) {
    console.log(
      pad(
        [
          String(r.monitors),
          r.done.toFixed(1),
          r.expected.toFixed(1),
          ((100 * r.done) / r.expected).toFixed(1),
          (100 * r.downShare).toFixed(1),
          (100 * r.cpu).toFixed(1),
          mb(r.rssMax),
          mb(r.rssLast),
          ms(r.lagP50),
          ms(r.lagP99),
          String(r.histP99),
          r.bytesPerCheck.toFixed(1),
          ((100 * r.expected) / bare.keepAlive).toFixed(1),
          ((100 * r.expected) / bare.fresh).toFixed(1),
        ],
        widths,
      ),
    );
  }
}

function printTargets(rows: Row[]): void {
  const r = rows.find((x) => x.monitors === 10_000);
  if (!r || INTERVAL !== 20) {
    console.log('\ntargets: stated for 10,000 monitors at a 20 s interval; not part of this run');
    return;
  }
  const word = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  console.log('\ntargets at 10,000 monitors, 20 s interval:');
  console.log(`  checks/s ≥ 98 % of 500   ${r.done.toFixed(1).padStart(8)}         ${word(r.done >= 0.98 * 500)}`);
  console.log(
    `  p99 lag < 1 s            ${ms(r.lagP99).padStart(8)} ms      ${word(r.lagP99 < 1)}   ` +
      `(histogram p99 ≤ ${r.histP99} s: ${word(r.histP99 <= 1)})`,
  );
  console.log(`  CPU < 60 % of one core   ${(100 * r.cpu).toFixed(1).padStart(8)} %       ${word(r.cpu < 0.6)}`);
  console.log(`  RSS < 400 MB (max)       ${mb(r.rssMax).padStart(8)} MB      ${word(r.rssMax < 400e6)}`);
  console.log(
    `  < 50 db bytes per check  ${r.bytesPerCheck.toFixed(1).padStart(8)} B       ${word(r.bytesPerCheck < 50)}`,
  );
}

if (process.env.BENCH_BUILD !== '0' || !existsSync(path.join(root, 'packages/server/dist/cli/main.js'))) {
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
  if (b.status !== 0) {
    console.error('npm run build failed; the bench runs the server from the build');
    process.exit(1);
  }
}
const target = await startTarget(root);
try {
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, CLK_TCK ${clockTicks()}`,
  );
  const keepAlive = await bareRate(target.port, { concurrency: 16, seconds: 5, keepAlive: true });
  const fresh = await bareRate(target.port, { concurrency: 16, seconds: 5, keepAlive: false });
  console.log(
    `target bare rate, 16 clients for 5 s: ${keepAlive.toFixed(0)} requests/s keep-alive, ` +
      `${fresh.toFixed(0)} requests/s with a fresh connection each`,
  );
  const rounded =
    SECONDS !== Number(values.seconds) ? ` (--seconds ${values.seconds} rounded up to whole intervals)` : '';
  console.log(
    `sizes ${SIZES.join(', ')} HTTP monitors at ${INTERVAL} s, ${INTERVAL} s warm-up, ` +
      `${SECONDS} s measured${rounded}; target 127.0.0.1:${target.port}\n`,
  );
  const rows: Row[] = [];
  for (const size of SIZES) {
    try {
      const r = await run(size, target);
      rows.push(r);
      console.log(
        `${size} monitors: created in ${r.applySeconds.toFixed(1)} s, ${r.scheduled} scheduled; ` +
          `window ${r.windowSeconds.toFixed(1)} s; target cpu ${(100 * r.targetCpu).toFixed(1)} % of a core; ` +
          `${r.totalChecks} checks in all, db +${r.dbGrowth} bytes; server stop: ${r.stop}`,
      );
    } catch (err) {
      console.log(`${size} monitors: FAILED: ${(err as Error).message}`);
    }
  }
  console.log(
    `\nresults (${SECONDS} s window, ${INTERVAL} s interval; MB = 10^6 bytes; ` +
      'lag p50/p99 of the starts of the last 30 to 60 s at the end of the window; ' +
      'hist p99 = bucket bound over the window)',
  );
  printTable(rows, { keepAlive, fresh });
  printTargets(rows);
} finally {
  target.stop();
}
