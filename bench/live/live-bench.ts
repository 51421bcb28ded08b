/**
 * The live stream and the UI's read routes at 10,000 monitors, in one process on SQLite (no checks run: the
 * monitors' recent results are filled in memory): the time of GET /api/monitors-recent, /api/overview and
 * /api/monitors, and one change fanned out to N open streams (time and CPU per change). The read routes are
 * timed as sent (identity) and compressed (gzip, br, as the middleware answers; CPU per request includes zlib's
 * thread pool), and the monitor list's body is compressed at several levels for the choice of level.
 *
 *   node -C source --import tsx bench/live/live-bench.ts [monitors=10000] [streams=1000]
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { MonitorsModule } from '../../packages/server/src/monitors/monitors-module.js';
import { call, createTestApp } from '../../packages/server/src/test-support/test-app.js';
import { TEST_ADMIN_TOKEN } from '../../packages/server/src/test-support/test-app.js';

const MONITORS = Number(process.argv[2] ?? 10_000);
const STREAMS = Number(process.argv[3] ?? 1_000);

async function timed(what: string, url: string, tocsin: Parameters<typeof call>[0], runs = 5): Promise<void> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await call(tocsin, 'GET', url);
    ms.push(performance.now() - t);
    bytes = res.text.length;
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.text.slice(0, 200)}`);
  }
  ms.sort((a, b) => a - b);
  console.log(
    `${what.padEnd(26)} median ${ms[runs >> 1].toFixed(1)} ms, max ${ms[runs - 1].toFixed(1)} ms, ${bytes} bytes`,
  );
}

async function timedEncoded(url: string, encoding: string, tocsin: Parameters<typeof call>[0], runs = 7) {
  const ms: number[] = [];
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await tocsin.http.request(url, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'accept-encoding': encoding },
    });
    bytes = (await res.arrayBuffer()).byteLength;
    ms.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  console.log(
    `${`${url} (${encoding})`.padEnd(40)} median ${ms[runs >> 1].toFixed(1)} ms, ` +
      `${((cpu.user + cpu.system) / 1000 / runs).toFixed(1)} ms CPU/request, ${bytes} bytes`,
  );
}

async function levels(body: Buffer): Promise<void> {
  const run = async (what: string, f: () => Promise<Buffer>) => {
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const out = await f();
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `  ${what.padEnd(12)} ${(performance.now() - t).toFixed(1)} ms, ` +
        `${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU, ${out.length} bytes`,
    );
  };
  const gz = promisify(gzip);
  const br = promisify(brotliCompress);
  console.log(`the monitor list (${body.length} bytes) compressed:`);
  for (const level of [1, 6]) await run(`gzip -${level}`, () => gz(body, { level }));
  for (const q of [1, 4, 6, 11])
    await run(`br q${q}`, () => br(body, { params: { [constants.BROTLI_PARAM_QUALITY]: q } }));
}

const { tocsin, dispose } = await createTestApp('sqlite');
try {
  const monitors = Array.from({ length: MONITORS }, (_, i) => ({
    name: `m-${String(i).padStart(5, '0')}`,
    type: 'tcp',
    host: '127.0.0.1',
    port: 1,
    interval: '30s',
    paused: true,
  }));
  const t0 = performance.now();
  await tocsin.config.apply({ config: { monitors } });
  console.log(`applied ${MONITORS} monitors in ${(performance.now() - t0).toFixed(0)} ms`);
  const recent = (tocsin.modules.find((m) => m.name === 'monitors') as MonitorsModule).recent;
  for (const m of monitors)
    for (let i = 0; i < 30; i++)
      recent.record(m.name, i % 7 !== 0, 20 + ((i * 37) % 80), Date.now() - (30 - i) * 30_000);
  await timed('GET /api/monitors-recent', '/api/monitors-recent', tocsin);
  await timed('GET /api/overview', '/api/overview', tocsin);
  await timed('GET /api/monitors', '/api/monitors', tocsin);
  for (const url of ['/api/monitors', '/api/monitors-recent'])
    for (const encoding of ['identity', 'gzip', 'br']) await timedEncoded(url, encoding, tocsin);
  await levels(Buffer.from((await call(tocsin, 'GET', '/api/monitors')).text));

  const readers = await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      const res = await tocsin.http.request('/api/live', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      const reader = res.body!.getReader();
      await reader.read(); // hello
      return reader;
    }),
  );
  const rounds = 20;
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  for (let r = 0; r < rounds; r++) {
    tocsin.live.emit({ type: 'monitor', name: `m-${r}`, state: 'DOWN', at: Date.now(), reason: 'connection refused' });
    await Promise.all(readers.map((reader) => reader.read()));
  }
  const wall = (performance.now() - t1) / rounds;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `one change to ${STREAMS} streams: ${wall.toFixed(2)} ms wall, ` +
      `${((cpu.user + cpu.system) / 1000 / rounds).toFixed(2)} ms CPU (in-process readers included), ` +
      `${tocsin.live.serialisations} serialisations for ${rounds} changes`,
  );
  await Promise.all(readers.map((reader) => reader.cancel()));
} finally {
  await dispose();
}
