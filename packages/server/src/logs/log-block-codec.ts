/**
 * Events of one group → one compressed block, and back. The layout is columnar, as it compresses far better than
 * JSON rows: times as deltas, observed times as offsets from their time, stream/source/stage/level text/resource
 * as indexes into one dictionary, attributes as JSON texts, trace and span ids as bytes, and the messages
 * together at the end. Each column is a section whose length the header gives, so a query reads the times and the
 * messages of a block without decoding the rest, and the other columns only for the events it returns.
 *
 * The whole is compressed with one zlib codec (`CODECS`); bench/logs/store-bench.ts measured gzip level 1 ⅓ of
 * the CPU of brotli at a like ratio on these columns (see docs/logs.md, "Storage and queries").
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { LogEvent } from '@tocsin/protocol';
import { ByteReader, ByteWriter, bloomBitsFor, bloomOf } from './log-block-bytes.js';

const FORMAT = 1;
const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const brotli = promisify(zlib.brotliCompress);
const unbrotli = promisify(zlib.brotliDecompress);

/** The compressions a block may be stored with; the name is the block row's `codec`. */
export const CODECS = {
  'cols1+gzip': {
    compress: (b: Buffer) => gzip(b, { level: 1 }),
    decompress: (b: Buffer) => gunzip(b),
    compressSync: (b: Buffer) => zlib.gzipSync(b, { level: 1 }),
  },
  'cols1+br': {
    compress: (b: Buffer) => brotli(b, brotliOptions),
    decompress: (b: Buffer) => unbrotli(b),
    compressSync: (b: Buffer) => zlib.brotliCompressSync(b, brotliOptions),
  },
} as const;
export type CodecName = keyof typeof CODECS;
export const DEFAULT_CODEC: CodecName = 'cols1+gzip';

const brotliOptions = {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_LGWIN]: 22 },
};

/** A block ready to store: its body, its index and what its row says of it. */
export interface EncodedBlock {
  codec: CodecName;
  body: Buffer;
  bloom: Buffer;
  count: number;
  startTime: number;
  endTime: number;
  levelMax: number;
  /** Whether a message holds a `\u` escape (a JSON value's text may then differ from the value). */
  escapes: boolean;
  /** The uncompressed columns' bytes. */
  columnBytes: number;
}

enum Col {
  Time,
  Observed,
  Level,
  Stream,
  Source,
  Stage,
  LevelText,
  Resource,
  Attributes,
  Ids,
  Messages,
  Count,
}

const emptyRecord = (r: Record<string, unknown>) => {
  for (const _ in r) return false;
  return true;
};

/** Equal records of scalars (a resource's attributes); false as soon as a value is an object. */
function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let n = 0;
  for (const k in a) {
    const v = a[k];
    if (v !== b[k] || (typeof v === 'object' && v !== null)) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** Lays out the events as columns (uncompressed) with the trigram bloom filter of their messages. */
export function encodeColumns(events: readonly LogEvent[]): Omit<EncodedBlock, 'codec' | 'body'> & { raw: Buffer } {
  const cols = Array.from({ length: Col.Count }, () => new ByteWriter(events.length * 2 + 64));
  const messages = new ByteWriter(events.length * 160 + 64);
  const dict = new Map<string, number>();
  const words: string[] = [];
  const word = (s: string | undefined) => {
    if (s === undefined) return 0;
    let i = dict.get(s);
    if (i === undefined) {
      i = words.push(s);
      dict.set(s, i);
    }
    return i;
  };
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let levelMax = 0;
  for (const e of events) {
    if (e.time < start) start = e.time;
    if (e.time > end) end = e.time;
  }
  let prev = start;
  let lastResource: Record<string, unknown> | undefined;
  let lastRef = 0;
  const ids = cols[Col.Ids]!;
  for (const e of events) {
    cols[Col.Time]!.zigzag(e.time - prev);
    prev = e.time;
    cols[Col.Observed]!.zigzag(e.observedTime - e.time);
    cols[Col.Level]!.byte(e.level);
    if (e.level > levelMax) levelMax = e.level;
    cols[Col.Stream]!.varint(word(e.stream));
    cols[Col.Source]!.varint(word(e.source));
    cols[Col.Stage]!.varint(word(e.stage));
    cols[Col.LevelText]!.varint(e.levelText === '' ? 0 : word(e.levelText));
    // Resources repeat (one per sender): the last event's, or one equal to it, costs no stringify.
    let r = lastRef;
    if (e.resource !== lastResource && !(lastResource && shallowEqual(e.resource, lastResource)))
      r = emptyRecord(e.resource) ? 0 : word(JSON.stringify(e.resource));
    lastResource = e.resource;
    lastRef = r;
    cols[Col.Resource]!.varint(r);
    cols[Col.Attributes]!.varint(emptyRecord(e.attributes) ? 0 : word(JSON.stringify(e.attributes)));
    ids.byte((e.traceId ? 1 : 0) | (e.spanId ? 2 : 0));
    cols[Col.Messages]!.varint(messages.utf8(e.message));
  }
  for (const e of events) {
    if (e.traceId) ids.bytes(Buffer.from(e.traceId, 'hex'));
    if (e.spanId) ids.bytes(Buffer.from(e.spanId, 'hex'));
  }
  const text = messages.done();
  const out = new ByteWriter(64 + text.length + events.length * 12);
  out.byte(FORMAT);
  out.varint(events.length);
  out.varint(events.length ? start : 0);
  out.varint(words.length);
  for (const w of words) out.varint(Buffer.byteLength(w));
  for (const w of words) out.utf8(w);
  const sections = cols.map((c) => c.done());
  for (const s of sections) out.varint(s.length);
  for (const s of sections) out.bytes(s);
  out.bytes(text);
  const raw = out.done();
  const bloom = bloomOf(text, bloomBitsFor(text.length));
  const count = events.length;
  return {
    raw,
    bloom,
    count,
    startTime: count ? start : 0,
    endTime: count ? end : 0,
    levelMax,
    escapes: text.includes('\\u'),
    columnBytes: raw.length,
  };
}

/** Encodes and compresses (zlib in its thread pool, off the event loop). */
export async function encodeBlock(
  events: readonly LogEvent[],
  codec: CodecName = DEFAULT_CODEC,
): Promise<EncodedBlock> {
  const { raw, ...rest } = encodeColumns(events);
  return { ...rest, codec, body: await CODECS[codec].compress(raw) };
}

/** The same on the calling thread (tests, and the bench's one-core figure). */
export function encodeBlockSync(events: readonly LogEvent[], codec: CodecName = DEFAULT_CODEC): EncodedBlock {
  const { raw, ...rest } = encodeColumns(events);
  return { ...rest, codec, body: CODECS[codec].compressSync(raw) };
}

export async function decodeBlock(codec: string, body: Buffer, group: string): Promise<DecodedBlock> {
  const c = CODECS[codec as CodecName];
  if (!c) throw new Error(`log block: unknown codec '${codec}'`);
  return new DecodedBlock(await c.decompress(body), group);
}

/** A block's columns, read as asked: times and message offsets at once, the rest on the first `event`. */
export class DecodedBlock {
  readonly count: number;
  readonly times: Float64Array;
  /** The messages' UTF-8 bytes, one after the other; message i spans messageStarts[i]..messageStarts[i + 1]. */
  readonly text: Buffer;
  readonly messageStarts: Uint32Array;
  private readonly words: string[];
  private readonly sections: Buffer[];
  private rest?: { observed: number[]; levels: Buffer; refs: number[][]; traces: (string | undefined)[][] };

  constructor(
    raw: Buffer,
    readonly group: string,
  ) {
    const r = new ByteReader(raw);
    if (r.byte() !== FORMAT) throw new Error('log block: unknown format');
    const count = r.varint();
    this.count = count;
    let t = r.varint();
    const wordLengths = Array.from({ length: r.varint() }, () => r.varint());
    this.words = wordLengths.map((n) => r.take(n).toString('utf8'));
    const lengths = Array.from({ length: Col.Count }, () => r.varint());
    this.sections = lengths.map((n) => r.take(n));
    this.text = r.buf.subarray(r.pos);
    const times = new Float64Array(count);
    const tr = new ByteReader(this.sections[Col.Time]!);
    for (let i = 0; i < count; i++) times[i] = t += tr.zigzag();
    this.times = times;
    const starts = new Uint32Array(count + 1);
    const mr = new ByteReader(this.sections[Col.Messages]!);
    for (let i = 0, at = 0; i < count; i++) starts[i + 1] = at += mr.varint();
    this.messageStarts = starts;
  }

  /** Event i's severity number, without decoding the other columns. */
  level(i: number): number {
    return this.sections[Col.Level]![i]!;
  }

  message(i: number): string {
    return this.text.toString('utf8', this.messageStarts[i], this.messageStarts[i + 1]);
  }

  private columns() {
    if (this.rest) return this.rest;
    const n = this.count;
    const read = (col: Col) => {
      const r = new ByteReader(this.sections[col]!);
      return Array.from({ length: n }, () => r.varint());
    };
    const or = new ByteReader(this.sections[Col.Observed]!);
    const observed = Array.from({ length: n }, () => or.zigzag());
    const refs = [Col.Stream, Col.Source, Col.Stage, Col.LevelText, Col.Resource, Col.Attributes].map(read);
    const ids = this.sections[Col.Ids]!;
    const idReader = new ByteReader(ids.subarray(n));
    const traces = Array.from({ length: n }, (_, i): (string | undefined)[] => [
      ids[i]! & 1 ? idReader.take(16).toString('hex') : undefined,
      ids[i]! & 2 ? idReader.take(8).toString('hex') : undefined,
    ]);
    this.rest = { observed, levels: this.sections[Col.Level]!, refs, traces };
    return this.rest;
  }

  /** Event i, every field as it was encoded. */
  event(i: number): LogEvent {
    const { observed, levels, refs, traces } = this.columns();
    const word = (col: number) => {
      const k = refs[col]![i]!;
      return k === 0 ? undefined : this.words[k - 1];
    };
    const e: LogEvent = {
      time: this.times[i]!,
      observedTime: this.times[i]! + observed[i]!,
      group: this.group,
      level: levels[i]!,
      levelText: word(3) ?? '',
      message: this.message(i),
      attributes: refs[5]![i] ? (JSON.parse(word(5)!) as Record<string, unknown>) : {},
      resource: refs[4]![i] ? (JSON.parse(word(4)!) as Record<string, unknown>) : {},
    };
    const stream = word(0);
    const source = word(1);
    const stage = word(2);
    if (stream !== undefined) e.stream = stream;
    if (source !== undefined) e.source = source;
    if (stage !== undefined) e.stage = stage;
    const [traceId, spanId] = traces[i]!;
    if (traceId !== undefined) e.traceId = traceId;
    if (spanId !== undefined) e.spanId = spanId;
    return e;
  }
}
