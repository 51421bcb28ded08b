/**
 * bench/logs: the log pipeline end to end, against the server from the build
 * (one process, SQLite by default): 20 rules of every kind through the API,
 * NDJSON batches of realistic lines (log-bench-lines.ts) through
 * `POST /api/logs` by concurrent clients, beside `JSON.parse` of the same
 * lines in the same run. Prints lines a second stored and evaluated (wall,
 * and per second of the server's CPU: the "one core" figure), MiB/s beside
 * Vector's published figures, stored bytes over raw bytes (from
 * `GET /api/log-groups`), a 10× burst (the server's peak RSS and the 429/503
 * answers), and queries over one day of one group of 10 million lines. All
 * traffic goes to 127.0.0.1; every phase is bounded in count and time.
 *
 *   npm run bench:logs [-- --seconds 20 --day-lines 10000000 --db sqlite,postgres]
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { POSTGRES_URL, createPostgresSchema } from '../../packages/server/src/test-support/test-databases.js';
import { cpuSeconds, rssBytes } from '../checks/proc-stats.js';
import { startServer, type ServerProcess } from '../checks/server-process.js';
import { LineMaker, benchRules, makeBodies } from './log-bench-lines.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    'batch-lines': { type: 'string', default: '2000' },
    'burst-seconds': { type: 'string', default: '10' },
    'day-lines': { type: 'string', default: '10000000' },
    'load-seconds': { type: 'string', default: '900' },
    db: { type: 'string', default: 'sqlite' },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values['batch-lines']);
const BURST_SECONDS = Number(values['burst-seconds']);
const DAY_LINES = Number(values['day-lines']);
const LOAD_SECONDS = Number(values['load-seconds']);
const TOKEN = 'bench-logs-admin-token-0123456789';
const MiB = 1024 * 1024;
const DAY = 86_400_000;

interface Answer {
  status: number;
  body: string;
  retryAfter?: number;
}

function request(agent: http.Agent, base: string, method: string, p: string, body?: Buffer | string): Promise<Answer> {
  const url = new URL(p, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body === undefined
            ? {}
            : { 'content-type': typeof body === 'string' ? 'application/json' : 'application/x-ndjson' }),
        },
        timeout: 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const retry = Number(res.headers['retry-after']);
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            retryAfter: Number.isFinite(retry) ? retry : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer in 120 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Client {
  agent: http.Agent;
  base: string;
  call(method: string, p: string, body?: Buffer | string): Promise<Answer>;
}

function client(base: string, sockets: number): Client {
  // Without TCP_NODELAY a request can sit out a 40 ms delayed ACK, and the client, not the server, sets the pace.
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, noDelay: true } as http.AgentOptions);
  return { agent, base, call: (m, p, b) => request(agent, base, m, p, b) };
}

async function setUp(c: Client): Promise<void> {
  const topic = await c.call('POST', '/api/topics', JSON.stringify({ name: 'bench-log-alerts' }));
  if (topic.status >= 300 && topic.status !== 409) throw new Error(`POST /api/topics: ${topic.status} ${topic.body}`);
  for (const group of ['access', 'app', 'day']) {
    const r = await c.call('PUT', `/api/log-groups/${group}`, JSON.stringify({ name: group, retentionDays: 30 }));
    if (r.status >= 300) console.log(`  PUT /api/log-groups/${group}: ${r.status} (created by its first event)`);
  }
  for (const rule of benchRules('bench-log-alerts')) {
    const r = await c.call('PUT', `/api/log-rules/${rule.name}`, JSON.stringify(rule));
    if (r.status >= 300) throw new Error(`PUT /api/log-rules/${rule.name}: ${r.status} ${r.body}`);
  }
}

interface GroupView {
  name: string;
  count: number;
  pending?: number;
  storedBytes: number;
  rawBytes: number;
}

async function groups(c: Client): Promise<GroupView[]> {
  const r = await c.call('GET', '/api/log-groups');
  if (r.status !== 200) throw new Error(`GET /api/log-groups: ${r.status} ${r.body}`);
  const json = JSON.parse(r.body) as GroupView[] | { logGroups?: GroupView[]; groups?: GroupView[] };
  return Array.isArray(json) ? json : (json.logGroups ?? json.groups ?? []);
}

/** Waits (at most 5 min) until the groups hold `count` events and nothing is pending; the ms it took. */
async function stored(c: Client, names: string[], count: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const gs = (await groups(c)).filter((g) => names.includes(g.name));
    const total = gs.reduce((a, g) => a + g.count, 0);
    if (total >= count && gs.every((g) => !g.pending)) return performance.now() - t0;
    if (performance.now() - t0 > 300_000) throw new Error(`only ${total} of ${count} events stored after 5 min`);
    await sleep(50);
  }
}

/** What a query answer says it read: blocks read, blocks its index let it skip, lines tested. */
interface Scanned {
  blocks: number;
  skipped: number;
  lines: number;
}

interface Drive {
  lines: number;
  bytes: number;
  seconds: number;
  statuses: Map<number, number>;
}

/** `clients` loops posting `next()` bodies until `until()`; a 429/503 waits its Retry-After unless `burst`. */
async function drive(
  c: Client,
  clients: number,
  next: () => { body: Buffer; lines: number } | undefined,
  until: () => boolean,
  burst = false,
): Promise<Drive> {
  const out: Drive = { lines: 0, bytes: 0, seconds: 0, statuses: new Map() };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let b = next(); b && !until(); b = next()) {
        for (;;) {
          const r = await c.call('POST', '/api/logs', b.body).catch(() => ({ status: -1, body: '', retryAfter: 1 }));
          out.statuses.set(r.status, (out.statuses.get(r.status) ?? 0) + 1);
          if (r.status === 200 || r.status === 202) {
            out.lines += (JSON.parse(r.body) as { accepted?: number }).accepted ?? b.lines;
            out.bytes += b.body.length;
            break;
          }
          if (r.status !== 429 && r.status !== 503) throw new Error(`POST /api/logs: ${r.status} ${r.body}`);
          if (burst) break;
          await sleep(Math.min(5, r.retryAfter ?? 1) * 1000);
        }
      }
    }),
  );
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

function jsonParseBaseline(bodies: Buffer[]): { linesPerSecond: number; mibPerSecond: number } {
  const texts = bodies.map((b) => b.toString('utf8'));
  let best = Number.POSITIVE_INFINITY;
  let lines = 0;
  for (let round = 0; round < 3; round++) {
    lines = 0;
    const t0 = performance.now();
    for (const t of texts) for (const l of t.split('\n')) if (l) lines += JSON.parse(l) ? 1 : 0;
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const bytes = bodies.reduce((a, b) => a + b.length, 0);
  return { linesPerSecond: lines / best, mibPerSecond: bytes / MiB / best };
}

async function throughput(c: Client, server: ServerProcess): Promise<void> {
  const bodies = makeBodies(128, BATCH, Date.now());
  const base = jsonParseBaseline(bodies);
  let i = 0;
  const cpu0 = cpuSeconds(server.pid);
  const end = performance.now() + SECONDS * 1000;
  const r = await drive(
    c,
    CONCURRENCY,
    () => ({ body: bodies[i++ % bodies.length]!, lines: BATCH }),
    () => performance.now() > end,
  );
  const waitMs = await stored(c, ['access', 'app'], r.lines);
  const cpu = cpuSeconds(server.pid) - cpu0;
  const perCore = r.lines / cpu;
  console.log(`\nIngest: ${CONCURRENCY} clients, NDJSON bodies of ${fmt(BATCH)} lines, ${SECONDS} s, 20 rules`);
  console.log(`  accepted            ${fmt(r.lines)} lines, ${fmt(r.bytes / MiB, 1)} MiB of NDJSON`);
  console.log(
    `  stored + evaluated  ${fmt(r.lines / r.seconds)} lines/s wall (stored ${fmt(waitMs)} ms after the last answer)`,
  );
  console.log(`  server CPU          ${fmt(cpu, 1)} s, ${fmt((cpu / r.seconds) * 100)} % of a core over the run`);
  console.log(`  per core-second     ${fmt(perCore)} lines   (target ≥ 150,000)`);
  console.log(
    `  MiB/s               ${fmt(r.bytes / MiB / r.seconds, 1)} wall, ${fmt(r.bytes / MiB / cpu, 1)} per core` +
      `   (Vector, 2 vCPU: 27 through an HTTP sink, 13–20 with one regex a line)`,
  );
  console.log(
    `  JSON.parse, here    ${fmt(base.linesPerSecond)} lines/s, ${fmt(base.mibPerSecond, 1)} MiB/s on this core;` +
      ` the server per core-second is ${fmt(perCore / base.linesPerSecond, 2)}× that`,
  );
  console.log(`  answers             ${[...r.statuses].map(([s, n]) => `${s}: ${fmt(n)}`).join(', ')}`);
}

async function burst(c: Client, server: ServerProcess): Promise<void> {
  const bodies = makeBodies(32, BATCH, Date.now(), 7);
  let i = 0;
  let peak = rssBytes(server.pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(server.pid));
  }, 20);
  const end = performance.now() + BURST_SECONDS * 1000;
  const burstClient = client(c.base, CONCURRENCY * 10);
  const r = await drive(
    burstClient,
    CONCURRENCY * 10,
    () => ({ body: bodies[i++ % bodies.length]!, lines: BATCH }),
    () => performance.now() > end,
    true,
  );
  clearInterval(sampler);
  burstClient.agent.destroy();
  const busy = (r.statuses.get(429) ?? 0) + (r.statuses.get(503) ?? 0);
  const other = [...r.statuses].filter(([s]) => ![200, 202, 429, 503].includes(s));
  console.log(`\nBurst: ${CONCURRENCY * 10} clients (10×) without backing off, ${BURST_SECONDS} s`);
  console.log(`  accepted            ${fmt(r.lines)} lines (${fmt(r.lines / r.seconds)} lines/s)`);
  console.log(
    `  429/503 answers     ${fmt(busy)} of ${fmt([...r.statuses.values()].reduce((a, b) => a + b, 0))}` +
      `${other.length ? `; other: ${other.map(([s, n]) => `${s}×${n}`).join(', ')}` : ''}`,
  );
  console.log(`  peak RSS            ${fmt(peak / MiB)} MiB   (target < 500)`);
}

async function day(c: Client, server: ServerProcess): Promise<void> {
  const maker = new LineMaker(99);
  const dayEnd = Date.now() - 60_000;
  const dayStart = dayEnd - DAY;
  const perBody = 10_000;
  let made = 0;
  const end = performance.now() + LOAD_SECONDS * 1000;
  const r = await drive(
    c,
    CONCURRENCY,
    () => {
      if (made >= DAY_LINES) return undefined;
      const out: string[] = [];
      for (let k = 0; k < perBody && made < DAY_LINES; k++, made++)
        out.push(maker.event(made, dayStart + Math.floor((made * DAY) / DAY_LINES), 'day'));
      return { body: Buffer.from(`${out.join('\n')}\n`), lines: out.length };
    },
    () => performance.now() > end,
  );
  await stored(c, ['day'], r.lines);
  const g = (await groups(c)).find((x) => x.name === 'day');
  console.log(`\nOne day of one group: ${fmt(r.lines)} unique lines loaded through POST /api/logs`);
  console.log(
    `  load                ${fmt(r.lines / r.seconds)} lines/s (bodies of ${fmt(perBody)} lines, made by the client)`,
  );
  if (g)
    console.log(
      `  stored / raw        ${fmt(g.storedBytes / MiB, 1)} MiB / ${fmt(g.rawBytes / MiB, 1)} MiB = ` +
        `${fmt((100 * g.storedBytes) / g.rawBytes, 1)} %; ` +
        `of the NDJSON posted ${fmt((100 * g.storedBytes) / r.bytes, 1)} %` +
        '   (target ≤ 15 %)',
    );
  const queries: [string, string][] = [
    ['the newest 100, no pattern', ''],
    ['a term in 1 line of 14 (100 kept)', '"timed out"'],
    ['a JSON predicate (100 kept)', '{ $.latency > 1100 && $.level = "error" }'],
    [
      'a space-delimited pattern (100 kept)',
      '[ip, ident, user, timestamp, request = *orders*, status = 503, bytes, referer, agent]',
    ],
    ['a term in no line: the whole day scanned', 'nosuchtermanywhere'],
  ];
  for (const [label, pattern] of queries) {
    const t0 = performance.now();
    const scanned: Scanned = { blocks: 0, skipped: 0, lines: 0 };
    let events = 0;
    let pages = 0;
    let cursor: string | undefined;
    let first = 0;
    do {
      const q = new URLSearchParams({ group: 'day', start: String(dayStart), end: String(dayEnd), limit: '100' });
      if (pattern) q.set('pattern', pattern);
      if (cursor) q.set('cursor', cursor);
      const a = await c.call('GET', `/api/logs/query?${q}`);
      if (a.status !== 200) throw new Error(`GET /api/logs/query: ${a.status} ${a.body}`);
      const page = JSON.parse(a.body) as { events: unknown[]; next?: string; scanned?: Scanned | number };
      if (pages === 0) first = performance.now() - t0;
      pages++;
      const sc = page.scanned;
      if (typeof sc === 'number') scanned.lines += sc;
      else if (sc) {
        scanned.lines += sc.lines;
        scanned.blocks += sc.blocks;
        scanned.skipped += sc.skipped;
      }
      events += page.events.length;
      cursor = events < 100 ? page.next : undefined;
    } while (cursor && performance.now() - t0 < 60_000);
    const ms = performance.now() - t0;
    console.log(
      `  query: ${label.padEnd(42)} ${fmt(ms)} ms (first page ${fmt(first)} ms, ${pages} pages), ` +
        `${fmt(events)} events; ${fmt(scanned.lines)} lines of ${fmt(scanned.blocks)} blocks read, ` +
        `${fmt(scanned.skipped)} blocks skipped   (target < 2,000 ms)`,
    );
  }
  void server;
}

async function run(kind: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-bench-logs-'));
  const schema = kind === 'postgres' ? await createPostgresSchema() : undefined;
  const env: Record<string, string> = {};
  if (schema)
    env.TOCSIN_DATABASE_URL = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
  const server = await startServer(root, dir, TOKEN, env);
  const c = client(server.base, CONCURRENCY);
  try {
    console.log(`\n=== ${kind}: the server from the build, pid ${server.pid}, ${server.base}`);
    await setUp(c);
    await throughput(c, server);
    await burst(c, server);
    if (DAY_LINES > 0) await day(c, server);
    console.log(`\n  server RSS at the end ${fmt(rssBytes(server.pid) / MiB)} MiB`);
  } finally {
    c.agent.destroy();
    const stop = await server.stop();
    if (stop.killed || stop.code !== 0) console.log(`  server stopped: ${stop.code}${stop.killed ? ' (killed)' : ''}`);
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// BENCH_NO_BUILD=1: the build is current (a second run).
const build = process.env.BENCH_NO_BUILD
  ? { status: 0 }
  : spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
if (build.status !== 0) {
  console.error('npm run build failed; the bench runs the server from the build');
  process.exit(1);
}
console.log(
  `bench/logs on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`,
);
for (const kind of String(values.db).split(',')) await run(kind.trim());
