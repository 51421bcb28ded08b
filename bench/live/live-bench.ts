/**
 * The live stream and the UI's read routes at 10,000 monitors, in one process on SQLite (no checks run: the
 * monitors' recent results are filled in memory): the time of GET /api/monitors-recent, /api/overview and
 * /api/monitors, and one change fanned out to N open streams (time and CPU per change).
 *
 *   node -C source --import tsx bench/live/live-bench.ts [monitors=10000] [streams=1000]
 */
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
