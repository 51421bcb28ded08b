/**
 * bench/ui: does the UI slow the checks, and is it quick with many monitors? One server from the build on SQLite
 * with N HTTP monitors (10,000 by default) at a 20 s interval against bench/checks' local target, created by
 * config apply in chunks of 1,000, one interval of warm-up, then on the same server:
 *   A. a window with nothing else: checks a second, the scheduler's lag p50/p99, the server's CPU;
 *   B. the same window while 20 plain HTTP clients hold `GET /api/live` open and a status page takes 200 GETs a
 *      second (bench/ui/load-process.ts, a child process: its CPU is neither the server's nor this one's), with
 *      the achieved rate and p50/p99 response time, while ten monitors are paused and resumed in turn (5 writes
 *      a second) so that the streams carry changes, with the bytes each stream received; then B/A of lag and of
 *      checks a second;
 *   C. Chromium loads the overview and the monitor list, timed by the browser (bench/ui/browser-timing.ts).
 * What is not there yet (no live stream, no status pages, no web app, no sessions) is reported as such, not a
 * crash. Prints figures, asserts nothing.
 *
 *   node -C source --import tsx bench/ui/ui-bench.ts [--monitors 10000] [--seconds 60] [--interval 20]
 *     [--streams 20] [--rate 200] [--changes 5] [--phases ABC] [--runs 3]
 */
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchBrowser } from '../../test/support/browser.js';
import { ensureWebBuilt } from '../../test/support/web-build.js';
import { clockTicks, cpuSeconds } from '../checks/proc-stats.js';
import { histogramQuantile, metric } from '../checks/prom-text.js';
import { type ServerProcess, startServer } from '../checks/server-process.js';
import { startTarget } from '../checks/target-process.js';
import { formatTiming, timePages } from './browser-timing.js';
import type { LoadPlan, LoadReport } from './load-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    monitors: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '20' },
    streams: { type: 'string', default: '20' },
    rate: { type: 'string', default: '200' },
    changes: { type: 'string', default: '5' },
    phases: { type: 'string', default: 'ABC' },
    runs: { type: 'string', default: '3' },
  },
});
const N = Number(values.monitors);
const INTERVAL = Number(values.interval);
const STREAMS = Number(values.streams);
const RATE = Number(values.rate);
const CHANGES = Number(values.changes);
const RUNS = Number(values.runs);
const PHASES = new Set(values.phases!.toUpperCase());
if (
  ![N, INTERVAL, RUNS].every((n) => Number.isInteger(n) && n >= 1) ||
  !(STREAMS >= 0) ||
  !(RATE > 0) ||
  !(CHANGES >= 0)
) {
  console.error('usage: ui-bench.ts [--monitors 10000] [--seconds 60] [--interval 20] [--streams 20] [--rate 200]');
  process.exit(2);
}
// Checks come in waves of one interval: windows of whole intervals count each wave once.
const SECONDS = Math.max(1, Math.ceil(Number(values.seconds) / INTERVAL)) * INTERVAL;
const TOKEN = 'bench-ui-admin-token-0123456789abcdef';
const CHUNK = 1000;
const STATUS_SLUG = 'bench';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(base: string, method: string, p: string, body?: unknown) {
  const res = await fetch(base + p, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  return { status: res.status, text: await res.text() };
}

async function createMonitors(base: string, targetPort: number): Promise<void> {
  for (let i = 0; i < N; i += CHUNK) {
    const monitors = Array.from({ length: Math.min(CHUNK, N - i) }, (_, j) => ({
      name: `m-${i + j + 1}`,
      type: 'http',
      url: `http://127.0.0.1:${targetPort}/t/${i + j + 1}`,
      interval: `${INTERVAL}s`,
      timeout: '5s',
      tags: { shard: String((i + j) % 10) },
    }));
    const r = await call(base, 'POST', '/api/config/apply', { config: { monitors } });
    if (r.status !== 200) throw new Error(`config apply: ${r.status} ${r.text.slice(0, 300)}`);
  }
}

interface Window {
  seconds: number;
  checksPerSecond: number;
  lagP50: number;
  lagP99: number;
  histP99: number;
  cpu: number;
}

/** One measured window on the running server: deltas of /metrics and of the server's CPU. */
async function measure(server: ServerProcess): Promise<Window> {
  const m0 = (await call(server.base, 'GET', '/metrics')).text;
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  while (performance.now() < end) {
    if (server.exitCode() !== null) throw new Error(`server exited (${server.exitCode()}) during the window`);
    await sleep(Math.min(1000, end - performance.now()));
  }
  const m1 = (await call(server.base, 'GET', '/metrics')).text;
  const seconds = (performance.now() - t0) / 1000;
  const checks = (t: string) => metric(t, 'tocsin_checks_total');
  return {
    seconds,
    checksPerSecond: (checks(m1) - checks(m0)) / seconds,
    lagP50: metric(m1, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.5"'),
    lagP99: metric(m1, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.99"'),
    histP99: histogramQuantile(m0, m1, 'tocsin_scheduler_lag_seconds', 0.99, 'job="monitor-check"'),
    cpu: (cpuSeconds(server.pid) - cpu0) / seconds,
  };
}

const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
function printWindow(name: string, w: Window): void {
  console.log(
    `${name}: ${w.checksPerSecond.toFixed(1)} checks/s (expected ${(N / INTERVAL).toFixed(1)}), ` +
      `lag p50 ${ms(w.lagP50)}, p99 ${ms(w.lagP99)} (histogram p99 ≤ ${w.histP99} s), ` +
      `server cpu ${(100 * w.cpu).toFixed(1)} % of a core, ${w.seconds.toFixed(1)} s window`,
  );
}

/** A status page of the first 20 monitors; says plainly when the API has none. */
async function makeStatusPage(base: string): Promise<string> {
  const items = Array.from({ length: Math.min(20, N) }, (_, i) => ({ type: 'monitor', name: `m-${i + 1}` }));
  const put = await call(base, 'PUT', `/api/status-pages/${STATUS_SLUG}`, { title: 'Bench status', items });
  const page = await fetch(`${base}/status/${STATUS_SLUG}`);
  const size = (await page.arrayBuffer()).byteLength;
  const made = put.status < 300 ? 'made' : `NOT made (PUT /api/status-pages/${STATUS_SLUG}: ${put.status})`;
  return `status page ${made}; GET /status/${STATUS_SLUG}: ${page.status}, ${size} bytes`;
}

/** Phase B's load: the child process started, streams open, the window measured, then its report. */
async function underLoad(server: ServerProcess): Promise<{ window: Window; load: LoadReport }> {
  const child = fork(path.join(root, 'bench/ui/load-process.ts'), [], {
    execArgv: ['-C', 'source', '--import', 'tsx'],
    stdio: 'inherit',
  });
  try {
    const message = <T>(what: string, ok: (m: any) => boolean) =>
      new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`load process: no ${what} in 60 s`)), 60_000);
        child.on('message', (m) => {
          if (!ok(m)) return;
          clearTimeout(timer);
          resolve(m as T);
        });
        child.once('exit', (code) => reject(new Error(`load process exited (${code}) before ${what}`)));
      });
    const ready = message<string>('ready', (m) => m === 'ready');
    const plan: LoadPlan = {
      base: server.base,
      token: TOKEN,
      streams: STREAMS,
      rate: RATE,
      statusPath: `/status/${STATUS_SLUG}`,
      maxInFlight: 64,
      // The last ten monitors (none on the status page), paused and resumed in turn.
      changeMonitors: Array.from({ length: Math.min(10, N) }, (_, i) => `m-${N - i}`),
      changeRate: CHANGES,
      // The streams are dashboards: each reads the overview after changes at the UI's pace, the monitor list once and
      // its sparklines every 30 s (packages/web: REFETCH_EVERY_MS and the list's timer).
      dashboards: true,
      overviewEveryMs: 500,
      listEveryMs: 30_000,
    };
    child.send({ start: plan });
    await ready;
    const window = await measure(server);
    const reported = message<{ report: LoadReport }>('report', (m) => typeof m === 'object' && 'report' in m);
    child.send('stop');
    return { window, load: (await reported).report };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

function printLoad(load: LoadReport): void {
  const byStatus = new Map<string, number>();
  for (const s of load.streams) byStatus.set(String(s.status), (byStatus.get(String(s.status)) ?? 0) + 1);
  const events: Record<string, number> = {};
  for (const s of load.streams) for (const [k, v] of Object.entries(s.events)) events[k] = (events[k] ?? 0) + v;
  const writes = Object.entries(load.changeCodes)
    .map(([k, v]) => `${v} × ${k}`)
    .join(', ');
  console.log(`  changes: monitors paused and resumed at ${CHANGES}/s: ${writes || 'none'}`);
  const early = load.streams.filter((s) => s.closedEarly).length;
  const bytes = load.streams.map((s) => s.bytes);
  const total = bytes.reduce((a, b) => a + b, 0);
  const answered = [...byStatus].map(([k, v]) => `${v} × ${k}`).join(', ') || 'none';
  const sse = load.streams.every((s) => s.contentType.startsWith('text/event-stream'));
  console.log(
    `  /api/live: ${load.streams.length} streams answered ${answered}` +
      `${load.streams.length && !sse ? ' (NOT all text/event-stream: is the live stream merged?)' : ''}; ` +
      `events read ${JSON.stringify(events)}; ${early} closed by the server before the end; ` +
      `bytes received ${total} in all (per stream ${Math.min(...bytes)}–${Math.max(...bytes)})`,
  );
  const codes = Object.entries(load.codes)
    .map(([k, v]) => `${v} × ${k}`)
    .join(', ');
  const notOk = Object.keys(load.codes).some((c) => c !== '200' && c !== '304');
  console.log(
    `  status page: ${load.sent} GETs in ${load.seconds.toFixed(1)} s (${(load.sent / load.seconds).toFixed(1)}/s ` +
      `sent of ${RATE}/s asked, ${load.skipped} ticks skipped at 64 in flight), ` +
      `${load.okRate.toFixed(1)}/s answered 200/304; answers ${codes || 'none'}` +
      `${notOk ? ' (not all 200/304: are status pages merged?)' : ''}; ` +
      `response p50 ${load.p50Ms.toFixed(1)} ms, p99 ${load.p99Ms.toFixed(1)} ms, max ${load.maxMs.toFixed(1)} ms`,
  );
  const d = load.dashboards;
  const reads = Object.entries(d.requests)
    .map(([k, v]) => `${v} × ${k}`)
    .join(', ');
  console.log(
    `  dashboards' reads: ${reads || 'none'}; ${(d.bytes / 1e6).toFixed(1)} MB received (compressed); ` +
      `response p50 ${d.p50Ms.toFixed(1)} ms, p99 ${d.p99Ms.toFixed(1)} ms`,
  );
}

async function phaseC(server: ServerProcess): Promise<void> {
  try {
    const built = ensureWebBuilt((l) => console.log(`phase C: ${l}`));
    if (built.built) console.log(`phase C: web app built in ${built.seconds.toFixed(1)} s`);
  } catch (err) {
    console.log(`phase C: not run: ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  let browser: import('playwright-core').Browser | undefined;
  try {
    browser = await launchBrowser();
    const login = async (request: import('playwright-core').APIRequestContext) => {
      const data = { name: 'bench', password: 'bench-password-0123456789' };
      let res = await request.post('/api/setup', { data: { ...data, setupCode: TOKEN } });
      if (res.status() === 409) res = await request.post('/api/session', { data });
      if (res.status() >= 300) throw new Error(`login: POST ${res.url()} answered ${res.status()}`);
    };
    const runs = await timePages(browser, server.base, login, { runs: RUNS, filterFor: `m-${N}`, timeoutMs: 30_000 });
    console.log('phase C: Chromium, ms from navigation start (performance.now() at the next frame):');
    for (const r of runs) console.log(`  ${formatTiming(r)}`);
  } catch (err) {
    console.log(`phase C: not run: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await browser?.close();
  }
}

if (process.env.BENCH_BUILD !== '0' || !existsSync(path.join(root, 'packages/server/dist/cli/main.js'))) {
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
  if (b.status !== 0) {
    console.error('npm run build failed; the bench runs the server from the build');
    process.exit(1);
  }
}
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, CLK_TCK ${clockTicks()}`);
const target = await startTarget(root);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-bench-ui-'));
let server: ServerProcess | undefined;
try {
  server = await startServer(root, dir, TOKEN);
  const a0 = performance.now();
  await createMonitors(server.base, target.port);
  console.log(
    `${N} HTTP monitors at ${INTERVAL} s created in ${((performance.now() - a0) / 1000).toFixed(1)} s; ` +
      `${INTERVAL} s warm-up; windows of ${SECONDS} s; target 127.0.0.1:${target.port}`,
  );
  await sleep(INTERVAL * 1000);
  const a = PHASES.has('A') ? await measure(server) : undefined;
  if (a) printWindow('phase A (nothing else)', a);
  if (PHASES.has('B')) {
    console.log(`phase B: ${await makeStatusPage(server.base)}`);
    const b = await underLoad(server);
    printWindow(`phase B (${STREAMS} live streams, status page at ${RATE}/s)`, b.window);
    printLoad(b.load);
    if (a) {
      console.log(
        `B/A: lag p99 ${(b.window.lagP99 / a.lagP99).toFixed(2)}, ` +
          `lag p50 ${(b.window.lagP50 / a.lagP50).toFixed(2)}, ` +
          `checks/s ${(b.window.checksPerSecond / a.checksPerSecond).toFixed(3)}, ` +
          `server cpu ${(b.window.cpu / a.cpu).toFixed(2)}`,
      );
    }
  }
  if (PHASES.has('C')) await phaseC(server);
} catch (err) {
  const tail = server?.stderrTail() ?? [];
  console.log(`FAILED: ${(err as Error).message}${tail.length ? `\n  ${tail.join('\n  ')}` : ''}`);
  process.exitCode = 1;
} finally {
  if (server) {
    const s = await server.stop();
    console.log(`server stop: ${s.killed ? `SIGKILL after ${s.seconds.toFixed(0)} s` : `exit ${s.code}`}`);
  }
  target.stop();
  rmSync(dir, { recursive: true, force: true });
}
