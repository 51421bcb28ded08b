/**
 * One run of bench/archive in a process of its own, so that its RSS is the export's alone (s3rver runs in the
 * parent). It samples `process.memoryUsage().rss` every 100 ms and after every batch, and prints one JSON line
 * of results on stdout. Modes:
 *   export  — exportDay of the generated day to the S3-compatible server at --endpoint (bucket --bucket);
 *   gzip    — the same NDJSON lines through a plain zlib.createGzip() to /dev/null (the baseline);
 *   generate — the lines built and dropped (what the generator alone costs).
 * Used by test/archive-memory.test.ts (the 1 GB day) and bench/archive/archive-bench.ts.
 *
 * `--pool N` cycles N generated batches instead of generating each (test/archive-memory.test.ts: the day fast).
 *
 *   node -C source --import tsx bench/archive/archive-export-child.ts --mode export --lines N --endpoint URL
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import type { ArchiveManifest, LogEvent } from '@tocsin/protocol';
import { archiveLine, exportDay } from '../../packages/server/src/archive/day-exporter.js';
import { s3Destination } from '../../packages/server/src/archive/destinations/s3-destination.js';
import { DAY_START, dayEvents, linesForBytes } from './archive-day-events.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'export' },
    lines: { type: 'string' },
    bytes: { type: 'string' },
    endpoint: { type: 'string' },
    bucket: { type: 'string', default: 'archive-bench' },
    'part-size': { type: 'string', default: String(256 * 1024 * 1024) },
    /** Batches generated once and cycled (see dayEvents): the generator's cost out of a test's time. */
    pool: { type: 'string', default: '0' },
  },
});

export interface ChildResult {
  mode: string;
  lines: number;
  rawBytes: number;
  seconds: number;
  cpuSeconds: number;
  baselineRss: number;
  peakRss: number;
  samples: number;
  manifest?: ArchiveManifest;
}

const lines = values.lines ? Number(values.lines) : linesForBytes(Number(values.bytes ?? 1e9));
const DAY = 86_400_000;

let peakRss = 0;
let samples = 0;
const sample = () => {
  const rss = process.memoryUsage().rss;
  samples++;
  if (rss > peakRss) peakRss = rss;
};

async function runGzip(events: AsyncIterable<LogEvent[]>, build: boolean): Promise<number> {
  const gzip = createGzip();
  const sink = gzip.pipe(createWriteStream('/dev/null'));
  let raw = 0;
  for await (const batch of events) {
    let text = '';
    for (const e of batch) text += archiveLine(e);
    raw += Buffer.byteLength(text);
    if (build && !gzip.write(text)) await once(gzip, 'drain');
    sample();
  }
  gzip.end();
  await once(sink, 'finish');
  return raw;
}

async function runExport(events: AsyncIterable<LogEvent[]>): Promise<ArchiveManifest> {
  if (!values.endpoint) throw new Error('--endpoint is needed in export mode');
  const store = s3Destination({
    type: 's3',
    bucket: values.bucket!,
    prefix: 'bench',
    endpoint: values.endpoint,
    region: 'us-east-1',
    pathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });
  return exportDay({
    store,
    job: 'archive-bench',
    group: 'web/access',
    day: '2026-02-07',
    timezone: 'UTC',
    start: DAY_START,
    end: DAY_START + DAY,
    events,
    partSize: Number(values['part-size']),
    node: 'bench',
    now: Date.now,
    progress: sample,
  });
}

const events = dayEvents({ lines, pool: Number(values.pool) });
global.gc?.();
const baselineRss = process.memoryUsage().rss;
sample();
const timer = setInterval(sample, 100);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let manifest: ArchiveManifest | undefined;
let rawBytes: number;
if (values.mode === 'export') {
  manifest = await runExport(events);
  rawBytes = manifest.rawBytes;
} else if (values.mode === 'gzip' || values.mode === 'generate') {
  rawBytes = await runGzip(events, values.mode === 'gzip');
} else throw new Error(`unknown --mode ${values.mode}`);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
clearInterval(timer);
sample();
const result: ChildResult = {
  mode: values.mode!,
  lines,
  rawBytes,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  baselineRss,
  peakRss,
  samples,
  manifest,
};
console.log(JSON.stringify(result));
