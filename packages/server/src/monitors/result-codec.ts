/**
 * Raw check results are packed, a few minutes of one monitor per row, so a
 * check costs a handful of bytes instead of a row: per result three
 * unsigned LEB128 varints — offset from the chunk start in tenths of a
 * second, latency in ms, and (HTTP status × 2 + up bit).
 */
export interface PackedResult {
  at: number;
  up: boolean;
  latencyMs: number;
  statusCode: number | null;
}

function writeVarint(out: number[], value: number): void {
  let v = Math.max(0, Math.floor(value));
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Appends one result to a chunk's byte list. */
export function appendResult(out: number[], chunkStart: number, r: PackedResult): void {
  writeVarint(out, Math.round((r.at - chunkStart) / 100));
  writeVarint(out, Math.min(r.latencyMs, 10_000_000));
  writeVarint(out, (r.statusCode ?? 0) * 2 + (r.up ? 1 : 0));
}

export function decodeChunk(data: Uint8Array, chunkStart: number): PackedResult[] {
  const out: PackedResult[] = [];
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
    out.push({ at: chunkStart + offset * 100, latencyMs, up: (code & 1) === 1, statusCode: code >> 1 || null });
  }
  return out;
}
