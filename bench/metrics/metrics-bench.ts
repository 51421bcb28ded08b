/**
 * bench/metrics: datapoints a second through the batch API (PutMetricData,
 * 1,000 datapoints a request, answered once stored) against the server
 * from the build on SQLite; and the CPU time of one evaluation round of
 * 10,000 alarms (in-process, each alarm with a datapoint in every period).
 * The server CPU counts until its ingest log is indexed, and the stored
 * datapoints are counted against those acknowledged.
 * The client's own cost to make the requests is measured in the same run
 * as a baseline: it builds and sends the same bodies to a bare server.
 *
 *   npm run bench:metrics [-- --seconds 20 --alarms 10000 --db sqlite,postgres]
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { POSTGRES_URL, createPostgresSchema } from '../../packages/server/src/test-support/test-databases.js';
import { FakeClock } from '../../packages/server/src/core/clock.js';
import { createTestApp } from '../../packages/server/src/test-support/test-app.js';
import { cpuSeconds, freePort } from '../checks/proc-stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    alarms: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '4' },
    db: { type: 'string', default: 'sqlite' },
  },
});
const SECONDS = Number(values.seconds);
const ALARMS = Number(values.alarms);
const CONCURRENCY = Number(values.concurrency);
const TOKEN = 'bench-metrics-admin-token-0123456789';

function body(i: number): string {
  const now = Date.now();
  return JSON.stringify({
    Namespace: 'Bench',
    MetricData: Array.from({ length: 1000 }, (_, j) => ({
      MetricName: 'latency',
      Dimensions: [{ Name: 'Host', Value: `host-${(i * 1000 + j) % 500}` }],
      Timestamp: new Date(now - (j % 60) * 1000).toISOString(),
      Value: (i * 7 + j) % 1000,
    })),
  });
}

async function drive(port: number, p: string): Promise<{ datapoints: number; seconds: number }> {
  // Without TCP_NODELAY a request can sit out a 40 ms delayed ACK, and the client, not the server, sets the pace.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY, noDelay: true } as http.AgentOptions);
  let sent = 0;
  let i = 0;
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const data = body(i++);
        const status = await new Promise<number>((resolve) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port,
              path: p,
              method: 'POST',
              agent,
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${TOKEN}`,
                'content-length': Buffer.byteLength(data),
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', () => resolve(0));
          req.end(data);
        });
        if (status >= 200 && status < 300) sent += 1000;
      }
    }),
  );
  agent.destroy();
  return { datapoints: sent, seconds: (performance.now() - start) / 1000 };
}

/** Reads the server's database from outside: the ingest log left to index, and what is stored. */
interface Peek {
  pending(): Promise<number>;
  stored(): Promise<{ n: number; rows: number }>;
  close(): Promise<void>;
}

function peekSqlite(dir: string): Peek {
  const db = new Database(path.join(dir, 'tocsin.db'), { readonly: true, fileMustExist: true });
  return {
    pending: async () => (db.prepare('select count(*) as n from metric_ingest').get() as { n: number }).n,
    stored: async () =>
      db.prepare('select coalesce(sum(count), 0) as n, count(*) as rows from metric_datapoints').get() as {
        n: number;
        rows: number;
      },
    close: async () => void db.close(),
  };
}

async function peekPostgres(schema: string): Promise<Peek> {
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  return {
    pending: async () => Number((await c.query(`select count(*) as n from ${schema}.metric_ingest`)).rows[0].n),
    stored: async () => {
      const r = (
        await c.query(`select coalesce(sum(count), 0) as n, count(*) as rows from ${schema}.metric_datapoints`)
      ).rows[0];
      return { n: Number(r.n), rows: Number(r.rows) };
    },
    close: () => c.end(),
  };
}

async function ingest(kind: string) {
  const bareChild = fork(path.join(root, 'bench/notify/receiver-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const barePort = await new Promise<number>((resolve) =>
    bareChild.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const bare = await drive(barePort, '/');
  bareChild.kill();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-bench-metrics-'));
  const schema = kind === 'postgres' ? await createPostgresSchema() : undefined;
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    TOCSIN_DATA_DIR: dir,
    TOCSIN_PORT: String(port),
    TOCSIN_ADMIN_TOKEN: TOKEN,
    TOCSIN_LOG_LEVEL: 'warn',
  };
  if (schema)
    env.TOCSIN_DATABASE_URL = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
  const server = spawn(process.execPath, [path.join(root, 'packages/server/dist/cli/main.js'), 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) =>
      server.stdout!.on('data', (c) => String(c).includes('Tocsin is running') && resolve()),
    );
    const cpu0 = cpuSeconds(server.pid!);
    const r = await drive(port, '/api/metrics');
    // The server's CPU counts until the ingest log is indexed, not only until the last answer.
    const peek = schema ? await peekPostgres(schema.schema) : peekSqlite(dir);
    const t0 = performance.now();
    while ((await peek.pending()) > 0) await new Promise((res) => setTimeout(res, 20));
    const backlogMs = performance.now() - t0;
    const cpu = cpuSeconds(server.pid!) - cpu0;
    const stored = await peek.stored();
    await peek.close();
    return {
      rate: r.datapoints / r.seconds,
      cpu: cpu / r.seconds,
      bare: bare.datapoints / bare.seconds,
      backlogMs,
      sent: r.datapoints,
      ...stored,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((res) => server.once('exit', res));
    rmSync(dir, { recursive: true, force: true });
    await schema?.drop();
  }
}

async function evaluationRound(): Promise<{ cpuMs: number; wallMs: number }> {
  const clock = new FakeClock(Date.UTC(2026, 10, 23, 0, 0, 0));
  const { tocsin, dispose } = await createTestApp('sqlite', { clock });
  try {
    for (let i = 0; i < ALARMS; i += 1000) {
      const alarms = Array.from({ length: Math.min(1000, ALARMS - i) }, (_, j) => ({
        name: `a-${i + j}`,
        namespace: 'Bench',
        metricName: 'load',
        dimensions: { Host: `h-${i + j}` },
        statistic: 'Average',
        period: '1m',
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        threshold: 50,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'missing',
      }));
      await tocsin.config.apply({ config: { alarms } });
    }
    for (let m = 0; m < 5; m++) {
      const data = Array.from({ length: ALARMS }, (_, i) => ({
        namespace: 'Bench',
        name: 'load',
        dimensions: { Host: `h-${i}` },
        at: clock.now() - 30_000 - m * 60_000,
        count: 1,
        sum: i % 100,
        min: i % 100,
        max: i % 100,
      }));
      tocsin.metricsStore.record(data);
    }
    await tocsin.metricsStore.drain();
    // A first round warms the series cache, as a running server's is.
    const round = async () => {
      let n = 0;
      for (let started = await tocsin.scheduler.runDue(); started > 0; started = await tocsin.scheduler.runDue())
        n += started;
      return n;
    };
    clock.advance(60_000);
    await round();
    clock.advance(60_000);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const evaluated = await round();
    const c = process.cpuUsage(c0);
    if (evaluated < ALARMS) throw new Error(`evaluated ${evaluated} alarms, expected ${ALARMS}`);
    return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 };
  } finally {
    await dispose();
  }
}

spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
// The evaluation round runs first: the ingest client builds its bodies in this process, and the heap it leaves
// would bill the round for its garbage.
const e = await evaluationRound();
console.log(
  `evaluation round of ${ALARMS} alarms: ${e.cpuMs.toFixed(0)} ms of CPU, ${e.wallMs.toFixed(0)} ms wall; ` +
    `target under 1 s of CPU ${e.cpuMs < 1000 ? 'met' : 'NOT met'}`,
);
for (const kind of process.env.BENCH_SKIP_INGEST ? [] : values.db!.split(',')) {
  const r = await ingest(kind);
  console.log(
    `\ningest on ${kind}: ${r.rate.toFixed(0)} datapoints/s through POST /api/metrics ` +
      `(1,000 a request, ${CONCURRENCY} at a time, ${SECONDS} s), server CPU ${(r.cpu * 100).toFixed(0)}% of a core`,
  );
  console.log(
    `stored: ${r.n} datapoints of ${r.sent} acknowledged, in ${r.rows} rows (series × minute); ` +
      `the ingest log was indexed ${r.backlogMs.toFixed(0)} ms after the last answer`,
  );
  console.log(
    `baseline: the same requests to a bare server: ${r.bare.toFixed(0)} datapoints/s; ` +
      `ratio ${(r.rate / r.bare).toFixed(2)}`,
  );
  console.log(
    `per core: ${(r.rate / Math.max(r.cpu, 0.01)).toFixed(0)} datapoints/s for one core of server time; ` +
      `target 200,000 ${r.rate / Math.max(r.cpu, 0.01) >= 200_000 ? 'met' : 'NOT met'}`,
  );
}
