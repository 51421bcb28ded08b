/**
 * The NDJSON decode of `POST /api/logs` (the fast path of decoders/tocsin-ndjson-fast-path.ts, with the zod path
 * as its fallback) beside JSON.parse of the same lines and beside the zod path alone, in one run.
 * Run: node -C source --import tsx bench/logs/ndjson-decode-bench.ts
 */
import { logEventFromInput, logEventInputSchema } from '@tocsin/protocol';
import { tocsinNdjsonDecoder } from '../../packages/server/src/logs/decoders/tocsin-ndjson-decoder.js';
import { realisticNdjsonLines as realisticLines } from '../../packages/server/src/test-support/sample-log-lines.js';

const defaults = { now: 1_700_000_000_000, group: 'api' };
const slow = (v: unknown) => logEventFromInput(logEventInputSchema.parse(v), defaults);

const lines = realisticLines(Number(process.env.LINES ?? 50_000));
const body = lines.join('\n');
const runs: Record<'decoded' | 'parseOnly' | 'zod', () => void> = {
  decoded: () => {
    const r = tocsinNdjsonDecoder.decode(body, { 'x-tocsin-log-group': 'api' }, { now: defaults.now });
    if (r.events.length !== lines.length) throw new Error(`decoded ${r.events.length} of ${lines.length}`);
  },
  parseOnly: () => {
    for (const l of lines) JSON.parse(l);
  },
  zod: () => {
    for (const l of lines) slow(JSON.parse(l));
  },
};
// Interleaved rounds, the best of each: a machine busy with other work slows all three alike.
const best = { decoded: 0, parseOnly: 0, zod: 0 };
for (const run of Object.values(runs)) run();
for (let round = 0; round < 7; round++) {
  for (const [name, run] of Object.entries(runs) as [keyof typeof best, () => void][]) {
    const t0 = process.hrtime.bigint();
    run();
    best[name] = Math.max(best[name], lines.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
}
const k = (n: number) => `${Math.round(n / 1000)}k`;
console.log(`NDJSON decode, ${lines.length} lines, best of 7 rounds:`);
console.log(`  fast path + fallback  ${k(best.decoded)} lines/s`);
const ratio = (best.decoded / best.parseOnly).toFixed(2);
console.log(`  JSON.parse alone      ${k(best.parseOnly)} lines/s  (decode / JSON.parse = ${ratio})`);
console.log(`  zod path alone        ${k(best.zod)} lines/s  (decode / zod = ${(best.decoded / best.zod).toFixed(2)})`);
