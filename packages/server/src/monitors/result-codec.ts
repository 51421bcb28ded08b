/**
 * Raw check results are packed, a few minutes of one monitor per row, so a
 * check costs a handful of bytes instead of a row: per result three
 * unsigned LEB128 varints — offset from the chunk start in tenths of a
 * second, latency in ms, and (HTTP status × 2 + up bit) — and, for a failed
 * check in a chunk that has a reason list, a fourth: the index of its
 * reason in the chunk's own list of distinct reasons (stored beside the
 * bytes). A monitor that keeps failing the same way costs one byte more per
 * failed check and its reason once per chunk. Chunks written before reasons
 * were kept have no list (null) and no fourth varint.
 */
export interface PackedResult {
  at: number;
  up: boolean;
  latencyMs: number;
  statusCode: number | null;
}

export interface DecodedResult extends PackedResult {
  /** The failure's reason; undefined for an up result, or for a chunk written without reasons. */
  reason?: string;
}

/** A reason longer than this is cut: it is stored once per chunk, but a probe's message should not fill a row. */
export const MAX_REASON_CHARS = 300;

function writeVarint(out: number[], value: number): void {
  let v = Math.max(0, Math.floor(value));
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** An open chunk's bytes and its distinct failure reasons, in first-seen order. */
export class ChunkBuilder {
  readonly bytes: number[] = [];
  readonly reasons: string[] = [];
  private readonly index = new Map<string, number>();
  count = 0;

  constructor(readonly startAt: number) {}

  append(r: PackedResult & { reason: string }): void {
    writeVarint(this.bytes, Math.round((r.at - this.startAt) / 100));
    writeVarint(this.bytes, Math.min(r.latencyMs, 10_000_000));
    writeVarint(this.bytes, (r.statusCode ?? 0) * 2 + (r.up ? 1 : 0));
    if (!r.up) writeVarint(this.bytes, this.reasonIndex(r.reason));
    this.count++;
  }

  private reasonIndex(reason: string): number {
    const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.reasons.length;
      this.reasons.push(text);
      this.index.set(text, i);
    }
    return i;
  }
}

/** The stored form of a chunk's reason list. */
export function encodeReasons(reasons: readonly string[]): string {
  return JSON.stringify(reasons);
}

/** Decodes a chunk; `reasons` is its stored list (null for a chunk written before reasons were kept). */
export function decodeChunk(data: Uint8Array, chunkStart: number, reasons: string | null = null): DecodedResult[] {
  const list: string[] | null = reasons === null ? null : JSON.parse(reasons);
  const out: DecodedResult[] = [];
  let i = 0;
  const read = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = data[i++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  while (i < data.length) {
    const offset = read();
    const latencyMs = read();
    const code = read();
    const up = (code & 1) === 1;
    const r: DecodedResult = { at: chunkStart + offset * 100, latencyMs, up, statusCode: code >> 1 || null };
    if (!up && list) r.reason = list[read()] ?? 'down';
    out.push(r);
  }
  return out;
}
