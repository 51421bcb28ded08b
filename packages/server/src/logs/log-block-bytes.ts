/**
 * The byte-level parts of the block codec (log-block-codec.ts): a growable writer and a reader of unsigned and
 * zigzag varints (LEB128, on numbers up to 2^53, as epoch milliseconds need), and the trigram bloom filter of a
 * block's messages that lets a query skip a block none of whose messages can hold a term.
 */

/** Appends bytes to a buffer that doubles when full. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  /** An unsigned integer up to 2^53. */
  varint(n: number): void {
    if (n < 0x80 && this.pos < this.buf.length) {
      this.buf[this.pos++] = n;
      return;
    }
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /** A signed integer of magnitude below 2^52. */
  zigzag(n: number): void {
    this.varint(n < 0 ? -2 * n - 1 : 2 * n);
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A string's UTF-8 bytes, returning their count. */
  utf8(s: string): number {
    this.room(s.length * 3);
    const n = this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
    return n;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export class ByteReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('log block: truncated');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  zigzag(): number {
    const z = this.varint();
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }

  /** `n` bytes, as a view. */
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('log block: truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Bits of a block's bloom filter: a power of two from 2^10 to 2^17 (16 KiB), about one bit per message byte. */
export function bloomBitsFor(messageBytes: number): number {
  let bits = 1024;
  while (bits < messageBytes && bits < 131_072) bits *= 2;
  return bits;
}

/** The bit of a trigram (its three bytes as one 24-bit number) in a filter of 2^(32 - shift) bits. */
const bitOf = (trigram: number, shift: number) => Math.imul(trigram, 0x9e3779b1) >>> shift;

/**
 * Sets one bit per distinct byte trigram of `text` (the UTF-8 bytes of a block's messages, one after the other):
 * a term held by a message has each of its trigrams in the filter. Trigrams across two messages only add bits.
 */
export function bloomOf(text: Uint8Array, bits: number): Buffer {
  const words = new Uint32Array(bits >>> 5);
  const shift = 32 - Math.log2(bits);
  let window = 0;
  for (let i = 0; i < text.length; i++) {
    window = ((window << 8) | text[i]!) & 0xffffff;
    if (i < 2) continue;
    const h = bitOf(window, shift);
    words[h >>> 5]! |= 1 << (h & 31);
  }
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
}

/** Whether every trigram of `term` (UTF-8) is in the filter; a term shorter than 3 bytes may always match. */
export function bloomMayHold(filter: Uint8Array, term: Uint8Array): boolean {
  const bits = filter.length * 8;
  if (bits < 32) return true;
  const words = new Uint32Array(filter.buffer.slice(filter.byteOffset, filter.byteOffset + filter.byteLength));
  const shift = 32 - Math.log2(bits);
  let window = 0;
  for (let i = 0; i < term.length; i++) {
    window = ((window << 8) | term[i]!) & 0xffffff;
    if (i < 2) continue;
    const h = bitOf(window, shift);
    if ((words[h >>> 5]! & (1 << (h & 31))) === 0) return false;
  }
  return true;
}
