/**
 * bench/checks, apply in chunks: creates N HTTP monitors through
 * `POST /api/config/apply` in chunks of 1,000 (as checks-bench does), on an
 * in-process server on SQLite with workers not started, and prints the time
 * of each chunk's apply, then one apply of all N into an empty server.
 * No traffic leaves the process. Prints figures, asserts nothing.
 *
 *   node -C source --import tsx bench/checks/apply-chunks-bench.ts [--size 10000]
 */
import { parseArgs } from 'node:util';
import { call, createTestApp } from '../../packages/server/src/test-support/test-app.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '10000' } } });
const SIZE = Number(values.size);
const CHUNK = 1000;

const monitor = (n: number) => ({
  name: `m-${n}`,
  type: 'http',
  url: `http://127.0.0.1:9/t/${n}`,
  interval: '20s',
  timeout: '5s',
});

async function apply(monitors: unknown[]): Promise<number> {
  const t0 = performance.now();
  const res = await call(app.tocsin, 'POST', '/api/config/apply', { config: { monitors } });
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.text.slice(0, 300)}`);
  return (performance.now() - t0) / 1000;
}

let app = await createTestApp('sqlite');
const times: number[] = [];
for (let i = 0; i < SIZE; i += CHUNK) {
  times.push(await apply(Array.from({ length: Math.min(CHUNK, SIZE - i) }, (_, j) => monitor(i + j + 1))));
  process.stdout.write(`chunk ${times.length} (into ${i}): ${times.at(-1)!.toFixed(2)} s\n`);
}
await app.dispose();
process.stdout.write(
  `chunks of ${CHUNK}: ${times.map((t) => t.toFixed(2)).join(' ')} s; ` +
    `total ${times.reduce((a, b) => a + b, 0).toFixed(1)} s\n`,
);

app = await createTestApp('sqlite');
const whole = await apply(Array.from({ length: SIZE }, (_, j) => monitor(j + 1)));
await app.dispose();
process.stdout.write(`one apply of ${SIZE}: ${whole.toFixed(2)} s\n`);
