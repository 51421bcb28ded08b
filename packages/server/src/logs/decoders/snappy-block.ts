/**
 * Snappy's block format (google/snappy format_description.txt), decoding
 * only: Loki's protobuf push body is one snappy block, as Promtail, Alloy
 * and the Go `snappy.Encode` write it (not the framed stream format, whose
 * chunks start with `0xff 0x06 0x00 0x00 sNaPpY`).
 *
 * A block is a preamble (the uncompressed length as a little-endian base-128
 * varint, at most 2^32 - 1) and elements, each led by a tag byte whose low
 * two bits give its kind:
 * - 00 a literal: the upper six bits are len-1 when len <= 60; 60–63 say the
 *   len-1 follows in 1–4 little-endian bytes;
 * - 01 a copy of 4–11 bytes, offset < 2048: len-4 in bits 2–4, the offset's
 *   upper three bits in bits 5–7 and its lower eight in the next byte;
 * - 10 a copy of 1–64 bytes (len-1 in the upper six bits), a 16-bit
 *   little-endian offset follows;
 * - 11 the same with a 32-bit offset.
 * A copy may overlap its own output (offset < length: a run). An offset of 0
 * or beyond the output so far, a literal or copy past the declared length,
 * and output shorter than declared are all corrupt input.
 *
 * Hand-written: it is about sixty lines, checked against the description's
 * own example and every corrupt case it names, where the npm `snappy`
 * package is a native addon and a dependency for the server.
 */

export class SnappyError extends Error {
  constructor(message: string) {
    super(`snappy: ${message}`);
    this.name = 'SnappyError';
  }
}

/** The uncompressed length a block declares, and where its elements start. */
export function snappyLength(src: Uint8Array): { length: number; start: number } {
  let length = 0;
  for (let i = 0, shift = 0; i < 5 && i < src.length; i++, shift += 7) {
    const b = src[i];
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (length > 0xffffffff) throw new SnappyError('a declared length beyond 2^32 - 1');
      return { length, start: i + 1 };
    }
  }
  throw new SnappyError('a truncated or overlong length preamble');
}

/**
 * Decodes one snappy block. `maxLength` bounds the declared length before any memory is taken for it, so a body
 * cap on the compressed bytes is also one on the uncompressed ones.
 */
export function decodeSnappyBlock(src: Uint8Array, maxLength = Number.POSITIVE_INFINITY): Buffer {
  const { length, start } = snappyLength(src);
  if (length > maxLength) throw new SnappyError(`a declared length of ${length} bytes, more than ${maxLength}`);
  // The densest element, a 2-byte-offset copy, makes 64 bytes of 3: a larger claim is corrupt, and is refused before
  // the memory for it is taken.
  if (length > Math.ceil(((src.length - start) * 64) / 3))
    throw new SnappyError(`a declared length of ${length} bytes that ${src.length} bytes cannot hold`);
  const out = Buffer.allocUnsafe(length);
  let s = start;
  let d = 0;
  while (s < src.length) {
    const tag = src[s++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (s + bytes > src.length) throw new SnappyError('a truncated literal length');
        len = 0;
        for (let i = 0; i < bytes; i++) len += src[s + i] * 2 ** (8 * i);
        s += bytes;
      }
      len += 1;
      if (s + len > src.length) throw new SnappyError('a literal past the end of the input');
      if (d + len > length) throw new SnappyError('a literal past the declared length');
      out.set(src.subarray(s, s + len), d);
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (s + 1 > src.length) throw new SnappyError('a truncated copy');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[s];
      s += 1;
    } else if (kind === 2) {
      if (s + 2 > src.length) throw new SnappyError('a truncated copy');
      len = 1 + (tag >>> 2);
      offset = src[s] | (src[s + 1] << 8);
      s += 2;
    } else {
      if (s + 4 > src.length) throw new SnappyError('a truncated copy');
      len = 1 + (tag >>> 2);
      offset = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16)) + src[s + 3] * 2 ** 24;
      s += 4;
    }
    if (offset === 0 || offset > d) throw new SnappyError(`a copy from offset ${offset} at position ${d}`);
    if (d + len > length) throw new SnappyError('a copy past the declared length');
    if (offset >= len) out.copyWithin(d, d - offset, d - offset + len);
    else for (let i = 0; i < len; i++) out[d + i] = out[d + i - offset];
    d += len;
  }
  if (d !== length) throw new SnappyError(`${d} bytes decoded, ${length} declared`);
  return out;
}
