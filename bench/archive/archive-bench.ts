/**
 * bench/archive: one day of one log group (10 million access-log lines by default, generated on the fly by
 * archive-day-events.ts, not read from the log store) exported with exportDay to s3rver on 127.0.0.1, in parts
 * of 256 MiB raw: lines a second, MB a second of raw NDJSON, peak RSS of the exporting process. In the same run
 * and from the same generator, a plain `zlib.createGzip()` of the same NDJSON lines to /dev/null (the
 * baseline), and the generator alone (building the lines and dropping them). Each runs in a child process of
 * its own (archive-export-child.ts), one after another; s3rver runs in this process.
 *
 *   npm run bench:archive [-- --lines 1000000] [-- --no-generator]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import S3rver from 's3rver';
import type { ChildResult } from './archive-export-child.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '10000000' },
    'part-size': { type: 'string', default: String(256 * 1024 * 1024) },
    'no-generator': { type: 'boolean', default: false },
  },
});
const LINES = Number(values.lines);
const BUCKET = 'archive-bench';
const MB = 1e6;
const here = path.dirname(fileURLToPath(import.meta.url));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['-C', 'source', '--import', 'tsx', path.join(here, 'archive-export-child.ts'), ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`archive-export-child ended with ${code ?? signal}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-archive-bench-'));
const s3 = new S3rver({
  port: 0,
  address: '127.0.0.1',
  directory: dir,
  silent: true,
  configureBuckets: [{ name: BUCKET }],
});
const endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
console.log(`archive bench: ${fmt(LINES)} lines, ${os.cpus().length} CPUs, load average ${load()} at start`);

const common = ['--lines', String(LINES)];
const runs: [string, ChildResult][] = [];
try {
  if (!values['no-generator']) runs.push(['generator alone', await runChild(['--mode', 'generate', ...common])]);
  runs.push(['plain gzip → /dev/null', await runChild(['--mode', 'gzip', ...common])]);
  runs.push([
    'exportDay → s3rver',
    await runChild([
      '--mode',
      'export',
      ...common,
      '--part-size',
      values['part-size']!,
      '--endpoint',
      endpoint,
      '--bucket',
      BUCKET,
    ]),
  ]);
} finally {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
}

const exp = runs.at(-1)![1];
const gzip = runs.find(([, r]) => r.mode === 'gzip')![1];
const m = exp.manifest!;
console.log(
  `day: ${fmt(m.lines)} lines, ${fmt(m.rawBytes / MB)} MB raw NDJSON, ${fmt(m.storedBytes / MB)} MB stored ` +
    `(${((100 * m.storedBytes) / m.rawBytes).toFixed(1)} %) in ${m.parts.length} parts`,
);
console.log('run                       lines/s    MB/s raw   wall s   CPU s   RSS base → peak (MB)');
for (const [name, r] of runs) {
  console.log(
    `${name.padEnd(24)} ${fmt(r.lines / r.seconds).padStart(8)} ${fmt(r.rawBytes / MB / r.seconds, 1).padStart(10)} ` +
      `${r.seconds.toFixed(1).padStart(8)} ${r.cpuSeconds.toFixed(1).padStart(7)}   ` +
      `${fmt(r.baselineRss / MB)} → ${fmt(r.peakRss / MB)} (+${fmt((r.peakRss - r.baselineRss) / MB)})`,
  );
}
console.log(`ratio: exportDay runs at ${(gzip.seconds / exp.seconds).toFixed(2)}× plain gzip's rate (wall)`);
console.log(`load average at end: ${load()}`);
