/**
 * bench/notify: deliveries a second from the durable outbox to a local
 * webhook receiver (in its own process), on SQLite and on PostgreSQL, next
 * to the receiver's bare request rate measured in the same run.
 *
 *   npm run bench:notify [-- --events 2000 --subscriptions 8]
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTocsin } from '../../packages/server/src/app.js';
import { silentLogger } from '../../packages/server/src/core/logger.js';
import { loadSettings } from '../../packages/server/src/config/settings.js';
import { outboxStats } from '../../packages/server/src/notify/outbox-store.js';
import { POSTGRES_URL, createPostgresSchema } from '../../packages/server/src/test-support/test-databases.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2500' },
    subscriptions: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    db: { type: 'string', default: 'sqlite,postgres' },
  },
});
const EVENTS = Number(values.events);
const SUBS = Number(values.subscriptions);

async function startReceiver(): Promise<{ port: number; stop(): void }> {
  const child = fork(path.join(path.dirname(new URL(import.meta.url).pathname), 'receiver-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return { port, stop: () => child.kill() };
}

/** The receiver's own rate: keep-alive POSTs of a similar body, `concurrency` at a time. */
async function bareRate(port: number, concurrency: number, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = JSON.stringify({ event: { title: 'x'.repeat(200) } });
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/bare',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const start = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await one();
        done++;
      }
    }),
  );
  agent.destroy();
  return done / ((Date.now() - start) / 1000);
}

async function runOutbox(
  kind: 'sqlite' | 'postgres',
  port: number,
): Promise<{ enqueue: number; deliver: number; total: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-bench-'));
  const schema = kind === 'postgres' ? await createPostgresSchema() : undefined;
  const flags: Record<string, string> = { 'data-dir': dir, 'admin-token': 'bench-admin-token-0123456789' };
  if (schema) flags['database-url'] = POSTGRES_URL;
  const tocsin = await createTocsin(loadSettings(flags, {}, dir), { logger: silentLogger, schema: schema?.schema });
  try {
    await tocsin.topics.create(
      tocsin.topics.parseTopic({
        name: 'bench',
        subscriptions: Array.from({ length: SUBS }, (_, i) => ({
          protocol: 'webhook',
          name: `hook-${i}`,
          endpoint: `http://127.0.0.1:${port}/hook/${i}`,
        })),
      }),
    );
    const total = EVENTS * SUBS;
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i += 100) {
      await tocsin.handle.db.transaction().execute(async (trx) => {
        for (let j = i; j < Math.min(EVENTS, i + 100); j++)
          await tocsin.publisher.publishIn(trx, ['bench'], {
            kind: 'test',
            title: `event ${j}`,
            text: 'x'.repeat(200),
          });
      });
    }
    const enqueueSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    tocsin.start();
    for (;;) {
      const s = await outboxStats(tocsin.handle.db);
      if (s.byStatus.delivered + s.byStatus.dead >= total) {
        if (s.byStatus.dead) throw new Error(`${s.byStatus.dead} deliveries failed`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const deliverSeconds = (performance.now() - t1) / 1000;
    return { enqueue: total / enqueueSeconds, deliver: total / deliverSeconds, total };
  } finally {
    await tocsin.close();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const receiver = await startReceiver();
try {
  const bare = await bareRate(receiver.port, 16, Number(values.seconds));
  console.log(`receiver bare rate (16 keep-alive connections): ${bare.toFixed(0)} requests/s`);
  console.log('database  deliveries  enqueue/s  delivered/s  ratio to bare');
  for (const kind of values.db!.split(',') as ('sqlite' | 'postgres')[]) {
    const r = await runOutbox(kind, receiver.port);
    console.log(
      `${kind.padEnd(9)} ${String(r.total).padStart(10)} ${r.enqueue.toFixed(0).padStart(10)} ` +
        `${r.deliver.toFixed(0).padStart(12)} ${(r.deliver / bare).toFixed(2).padStart(14)}`,
    );
  }
} finally {
  receiver.stop();
}
