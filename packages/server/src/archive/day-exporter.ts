/**
 * Exports one day of one log group: its events as NDJSON lines in gzip parts of about `partSize` raw bytes,
 * then `manifest.json` (counts, first and last time, sizes, sha256 of each part), then removes what an earlier
 * run of the same day left that the new manifest does not name. The manifest is written last: a day whose
 * manifest is there is whole, and a re-run replaces the day without duplicating a line. Memory is bounded by
 * one block of events and the destination's upload buffers, whatever the day's size.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import type { ArchiveManifest, LogEvent } from '@tocsin/protocol';
import { MANIFEST, dayFolder, partName, type ArchiveStore } from './destinations/archive-destination.js';

export interface DayExport {
  store: ArchiveStore;
  job: string;
  group: string;
  day: string;
  timezone: string;
  start: number;
  end: number;
  events: AsyncIterable<LogEvent[]>;
  partSize: number;
  node: string;
  now: () => number;
  /** Called as lines are written (every block). */
  progress?: (lines: number) => void;
}

/** One archived line: the event as the query API shows it, times in ISO 8601, empty fields left out. */
export function archiveLine(e: LogEvent): string {
  const out: Record<string, unknown> = { time: new Date(e.time).toISOString() };
  if (e.observedTime !== e.time) out.observedTime = new Date(e.observedTime).toISOString();
  out.group = e.group;
  if (e.stream) out.stream = e.stream;
  if (e.source) out.source = e.source;
  if (e.stage) out.stage = e.stage;
  out.level = e.level;
  if (e.levelText) out.levelText = e.levelText;
  out.message = e.message;
  if (Object.keys(e.attributes).length) out.attributes = e.attributes;
  if (e.traceId) out.traceId = e.traceId;
  if (e.spanId) out.spanId = e.spanId;
  if (Object.keys(e.resource).length) out.resource = e.resource;
  return `${JSON.stringify(out)}\n`;
}

/** An ISO time with the zone's offset (`2019-12-07T00:00:00+09:00`), as the manifest writes day bounds. */
export function isoInZone(ms: number, tz: string): string {
  const f = new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  const parts = Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
  // Some locales write the minus sign as U+2212.
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.replace('GMT', '').replace('\u2212', '-');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

class PartWriter {
  readonly gzip: Gzip;
  readonly done: Promise<void>;
  lines = 0;
  rawBytes = 0;
  storedBytes = 0;
  private failed?: unknown;
  private readonly hash = createHash('sha256');

  constructor(store: ArchiveStore, key: string) {
    this.gzip = createGzip();
    const hash = this.hash;
    const counted = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        hash.update(chunk);
        this.storedBytes += chunk.length;
        cb(null, chunk);
      },
    });
    this.gzip.on('error', (err) => counted.destroy(err));
    this.done = store.write(key, this.gzip.pipe(counted));
    this.done.catch((err) => {
      this.failed = err ?? new Error('write failed');
      this.gzip.destroy();
    });
  }

  async write(text: string, lines: number): Promise<void> {
    if (this.failed) throw this.failed;
    this.lines += lines;
    this.rawBytes += Buffer.byteLength(text);
    if (!this.gzip.write(text))
      await Promise.race([new Promise((resolve) => this.gzip.once('drain', resolve)), this.done]);
    if (this.failed) throw this.failed;
  }

  async close(): Promise<string> {
    this.gzip.end();
    await this.done;
    return this.hash.digest('hex');
  }
}

const FLUSH_CHARS = 256 * 1024;

/** Writes the day's parts and manifest; returns the manifest. Throws when the destination refuses. */
export async function exportDay(x: DayExport): Promise<ArchiveManifest> {
  const folder = dayFolder(x.group, x.day);
  const parts: ArchiveManifest['parts'] = [];
  let part: PartWriter | undefined;
  let firstTime = Number.POSITIVE_INFINITY;
  let lastTime = Number.NEGATIVE_INFINITY;
  let lines = 0;
  const finish = async () => {
    if (!part) return;
    const sha256 = await part.close();
    parts.push({
      name: partName(parts.length + 1),
      lines: part.lines,
      rawBytes: part.rawBytes,
      storedBytes: part.storedBytes,
      sha256,
    });
    part = undefined;
  };
  try {
    for await (const batch of x.events) {
      let text = '';
      let n = 0;
      for (const e of batch) {
        if (e.time < firstTime) firstTime = e.time;
        if (e.time > lastTime) lastTime = e.time;
        text += archiveLine(e);
        n++;
        if (text.length >= FLUSH_CHARS) {
          part ??= new PartWriter(x.store, folder + partName(parts.length + 1));
          await part.write(text, n);
          lines += n;
          text = '';
          n = 0;
          if (part.rawBytes >= x.partSize) await finish();
        }
      }
      if (n) {
        part ??= new PartWriter(x.store, folder + partName(parts.length + 1));
        await part.write(text, n);
        lines += n;
        if (part.rawBytes >= x.partSize) await finish();
      }
      x.progress?.(lines);
    }
    await finish();
  } catch (err) {
    part?.gzip.destroy();
    await part?.done.catch(() => {});
    throw err;
  }
  const manifest: ArchiveManifest = {
    job: x.job,
    group: x.group,
    day: x.day,
    timezone: x.timezone,
    start: isoInZone(x.start, x.timezone),
    end: isoInZone(x.end, x.timezone),
    lines,
    firstTime: lines ? new Date(firstTime).toISOString() : undefined,
    lastTime: lines ? new Date(lastTime).toISOString() : undefined,
    rawBytes: parts.reduce((s, p) => s + p.rawBytes, 0),
    storedBytes: parts.reduce((s, p) => s + p.storedBytes, 0),
    parts,
    writtenAt: new Date(x.now()).toISOString(),
    writtenBy: x.node,
  };
  await x.store.write(folder + MANIFEST, Readable.from([Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]));
  const keep = new Set([MANIFEST, ...parts.map((p) => p.name)].map((n) => folder + n));
  const stale = (await x.store.list(folder)).filter(
    (o) => !keep.has(o.key) && !o.key.slice(folder.length).includes('/'),
  );
  await x.store.remove(stale.map((o) => o.key));
  return manifest;
}
