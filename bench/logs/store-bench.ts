/**
 * bench/logs/store-bench: log storage on one core, on SQLite in a temporary directory.
 *
 * 1. Realistic lines (half Apache combined access log, half JSON application log) as events, appended through
 *    the LogWriter in batches of 1,000 (as ingest requests hand them over) until every block is stored: events a
 *    second and CPU (the main thread plus zlib's thread pool), beside `JSON.parse` of the same lines' NDJSON in
 *    the same run; stored bytes (bodies and bloom filters) over raw NDJSON bytes, and over message bytes.
 * 2. One day of one group (10 million lines by default) written as blocks, then queried through the
 *    LogQueryService: the newest 100, a term that occurs in a handful of lines, a JSON predicate, a phrase.
 *
 *   npm run bench:logs-store [-- --lines 200000 --day-lines 10000000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LogEvent } from '@tocsin/protocol';
import { systemClock } from '../../packages/server/src/core/clock.js';
import { uuidv7 } from '../../packages/server/src/core/ids.js';
import { silentLogger } from '../../packages/server/src/core/logger.js';
import { migrate, openDatabase } from '../../packages/server/src/db/database.js';
import { encodeBlock } from '../../packages/server/src/logs/log-block-codec.js';
import { insertBlocks } from '../../packages/server/src/logs/log-block-store.js';
import { LogGroupService } from '../../packages/server/src/logs/log-group-service.js';
import { LogQueryService } from '../../packages/server/src/logs/log-query-service.js';
import { LogWriter, defaultWriterOptions } from '../../packages/server/src/logs/log-writer.js';
import { sampleEvents } from '../../packages/server/src/test-support/sample-log-lines.js';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '200000' }, 'day-lines': { type: 'string', default: '10000000' } },
});
const LINES = Number(values.lines);
const DAY_LINES = Number(values['day-lines']);
const DAY = 86_400_000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-logs-bench-'));
const handle = openDatabase(`sqlite:${path.join(dir, 'tocsin.db')}`);
await migrate(handle);
const groups = new LogGroupService(handle.db, systemClock);
await groups.load();
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function writeThrough(): Promise<void> {
  const events = sampleEvents(LINES, { group: 'ingest', start: Date.now() - DAY, stepMs: 5 });
  const lines = events.map((e) => JSON.stringify(e));
  const rawBytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  const messageBytes = events.reduce((n, e) => n + Buffer.byteLength(e.message), 0);
  let t = performance.now();
  for (const l of lines) JSON.parse(l);
  const parseS = (performance.now() - t) / 1000;
  const writer = new LogWriter(handle.db, systemClock, silentLogger, groups.writerGroups(), {
    ...defaultWriterOptions,
    maxQueueBytes: 1024 ** 3,
  });
  const cpu0 = process.cpuUsage();
  t = performance.now();
  for (let i = 0; i < events.length; i += 1000) {
    const batch = events.slice(i, i + 1000);
    writer.append(batch, rawBytes * (batch.length / events.length));
    // Let the flush of a full block run, as between requests.
    if (i % 16_000 === 0) await new Promise((r) => setImmediate(r));
  }
  await writer.close();
  const wallS = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const stored = writer.stats.storedBytes;
  console.log(`write: ${fmt(LINES)} lines (${fmt(rawBytes / 1024 ** 2, 1)} MiB NDJSON) through the LogWriter`);
  console.log(`  encode+store   ${fmt(LINES / wallS)} lines/s wall, ${fmt(LINES / cpuS)} lines/s per CPU second`);
  console.log(`  JSON.parse     ${fmt(LINES / parseS)} lines/s (same lines, same run)`);
  console.log(`  ratio          store is ${(parseS / wallS).toFixed(2)}× JSON.parse's rate (wall)`);
  console.log(`  MiB/s          ${fmt(rawBytes / 1024 ** 2 / wallS, 1)} (Vector: 27 MiB/s on 2 vCPU, HTTP sink)`);
  console.log(`  stored/raw     ${((100 * stored) / rawBytes).toFixed(1)} % of NDJSON bytes`);
  console.log(`  stored/message ${((100 * stored) / messageBytes).toFixed(1)} % of the messages' bytes alone`);
}

/** One day of one group: blocks of 16,384 events, a few of which carry a rare term. */
async function writeDay(): Promise<{ end: number; rareCount: number }> {
  const end = Date.now();
  const start = end - DAY;
  const step = DAY / DAY_LINES;
  const t = performance.now();
  let rareCount = 0;
  for (let at = 0, block = 0; at < DAY_LINES; block++) {
    const n = Math.min(16_384, DAY_LINES - at);
    const events: LogEvent[] = sampleEvents(n, {
      group: 'day',
      start: start + at * step,
      stepMs: step,
      seed: block + 1,
    });
    if (block % 150 === 7) {
      events[100]!.message = `${events[100]!.message} java.lang.OutOfMemoryError: Java heap space`;
      rareCount++;
    }
    const encoded = await encodeBlock(events);
    await insertBlocks(handle.db, [
      {
        id: uuidv7(),
        group: 'day',
        startTime: encoded.startTime,
        endTime: encoded.endTime,
        count: n,
        rawBytes: 0,
        storedBytes: encoded.body.length + encoded.bloom.length,
        codec: encoded.codec,
        levelMax: encoded.levelMax,
        escapes: encoded.escapes,
        bloom: encoded.bloom,
        body: encoded.body,
        createdAt: end,
      },
    ]);
    at += n;
  }
  await groups.put({ name: 'day', retentionDays: 30 });
  console.log(`day: ${fmt(DAY_LINES)} lines of one group written in ${fmt((performance.now() - t) / 1000, 1)} s`);
  return { end, rareCount };
}

async function queries(end: number, rareCount: number): Promise<void> {
  const writer = new LogWriter(handle.db, systemClock, silentLogger, groups.writerGroups());
  const service = new LogQueryService(handle.db, systemClock, writer, (n) => groups.has(n));
  const base = { group: 'day', start: String(end - DAY), end: String(end), order: 'desc' as const, limit: 100 };
  const cases = [
    ['newest 100, no pattern', ''],
    [`rare term (${rareCount} lines)`, 'OutOfMemoryError'],
    ['phrase, frequent', '"Task timed out"'],
    ['JSON predicate, frequent', '{ $.level = "error" && $.latencyMs > 1000 }'],
    ['JSON predicate, rare', '{ $.latencyMs > 1998 && $.http.status = 503 }'],
  ] as const;
  for (const [label, pattern] of cases) {
    const t = performance.now();
    const r = await service.query({ ...base, pattern });
    const ms = performance.now() - t;
    const { blocks, skipped, lines } = r.scanned;
    console.log(
      `  ${label.padEnd(28)} ${fmt(ms).padStart(6)} ms  ${String(r.events.length).padStart(3)} events, ` +
        `${blocks} blocks read, ${skipped} skipped by the index, ${fmt(lines)} lines tested`,
    );
  }
}

try {
  await writeThrough();
  const { end, rareCount } = await writeDay();
  console.log(`query over the day (limit 100, newest first):`);
  await queries(end, rareCount);
} finally {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
}
