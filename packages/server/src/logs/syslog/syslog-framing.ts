/**
 * Syslog over TCP (RFC 6587): a byte stream cut into messages.
 *
 * - Octet counting (§3.4.1): `MSG-LEN SP SYSLOG-MSG`, MSG-LEN a decimal
 *   without leading zero.
 * - Non-transparent framing (§3.4.2): each message ends with LF (a CR
 *   before it is dropped; NUL also ends one, as some senders use it).
 * - `auto` (the default) decides per frame, as rsyslog and syslog-ng do: a
 *   frame starting with a digit 1–9 followed by digits and a space is
 *   octet-counted, anything else is newline-framed.
 *
 * States of the splitter: `start` (between frames) → `length` (reading
 * MSG-LEN) → `counted` (reading MSG-LEN bytes) → `start`; `start` →
 * `line` (reading to LF) → `start`; a frame longer than the maximum is
 * dropped and its bytes skipped (`skip-counted` / `skip-line`), reported
 * once with its size. At the end of the stream an unterminated line is a
 * message and an incomplete counted frame is reported as truncated.
 *
 * A UDP datagram (RFC 5426) is one message: `datagramFrame`.
 */
import { Transform, type TransformCallback } from 'node:stream';

export type Framing = 'auto' | 'octet-counting' | 'non-transparent';

export interface FramingOptions {
  framing?: Framing;
  /** Largest message kept, in bytes (default 64 KiB; RFC 5425/6587 receivers must take 2 KiB). */
  maxMessageBytes?: number;
}

export type SyslogFrame = { ok: true; message: Buffer } | { ok: false; reason: string; bytes: number };

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/** MSG-LEN has at most this many digits (more cannot be a sane length). */
const MAX_LENGTH_DIGITS = 10;
const SP = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

type State = 'start' | 'length' | 'counted' | 'line' | 'skip-counted' | 'skip-line';

export class SyslogFrameSplitter {
  private readonly framing: Framing;
  private readonly max: number;
  private state: State = 'start';
  private parts: Buffer[] = [];
  private partBytes = 0;
  private lengthDigits = '';
  private remaining = 0;
  private skipped = 0;
  /** False while skipping the rest of a line already reported (a bad MSG-LEN). */
  private reportSkip = true;

  constructor(options: FramingOptions = {}) {
    this.framing = options.framing ?? 'auto';
    this.max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Feeds bytes; returns the frames they complete. */
  push(chunk: Buffer): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    let at = 0;
    while (at < chunk.length) at = this.step(chunk, at, out);
    return out;
  }

  /** The stream ended: what is left. */
  end(): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    if (this.state === 'line') this.emitLine(out);
    else if (this.state === 'length' || this.state === 'counted') {
      const got = this.state === 'counted' ? this.partBytes : 0;
      out.push({ ok: false, reason: `the stream ended inside an octet-counted frame (${got} bytes read)`, bytes: got });
    } else if (this.state === 'skip-counted' || (this.state === 'skip-line' && this.reportSkip)) {
      out.push(this.tooLarge(this.skipped));
    }
    this.reset();
    return out;
  }

  private step(chunk: Buffer, at: number, out: SyslogFrame[]): number {
    switch (this.state) {
      case 'start':
        return this.begin(chunk, at);
      case 'length':
        return this.readLength(chunk, at, out);
      case 'counted':
      case 'skip-counted':
        return this.readCounted(chunk, at, out);
      case 'line':
      case 'skip-line':
        return this.readLine(chunk, at, out);
    }
  }

  private begin(chunk: Buffer, at: number): number {
    const c = chunk[at];
    if (c === LF || c === NUL || c === CR) return at + 1; // blank lines between frames
    const counted = this.framing === 'octet-counting' || (this.framing === 'auto' && c >= 0x31 && c <= 0x39);
    this.state = counted ? 'length' : 'line';
    return at;
  }

  private readLength(chunk: Buffer, at: number, out: SyslogFrame[]): number {
    let i = at;
    while (i < chunk.length && chunk[i] >= 0x30 && chunk[i] <= 0x39 && this.lengthDigits.length <= MAX_LENGTH_DIGITS) {
      this.lengthDigits += String.fromCharCode(chunk[i]);
      i++;
    }
    if (i === chunk.length) return i;
    const digits = this.lengthDigits;
    const valid = chunk[i] === SP && /^[1-9]\d*$/.test(digits) && digits.length <= MAX_LENGTH_DIGITS;
    if (!valid) {
      if (this.framing === 'octet-counting') {
        out.push({ ok: false, reason: `MSG-LEN '${digits}' is not a length followed by a space`, bytes: 0 });
        this.reset();
        this.state = 'skip-line'; // resynchronise at the next LF
        this.reportSkip = false;
        return i;
      }
      // auto: not octet counting after all; the digits start a newline-framed message
      this.lengthDigits = '';
      this.state = 'line';
      this.addPart(Buffer.from(digits, 'latin1'));
      return i;
    }
    this.lengthDigits = '';
    this.remaining = Number(digits);
    if (this.remaining > this.max) {
      this.state = 'skip-counted';
      this.skipped = this.remaining;
    } else {
      this.state = 'counted';
    }
    return i + 1;
  }

  private readCounted(chunk: Buffer, at: number, out: SyslogFrame[]): number {
    const take = Math.min(this.remaining, chunk.length - at);
    if (this.state === 'counted') this.addPart(chunk.subarray(at, at + take));
    this.remaining -= take;
    if (this.remaining === 0) {
      if (this.state === 'counted') out.push({ ok: true, message: this.takeParts() });
      else out.push(this.tooLarge(this.skipped));
      this.reset();
    }
    return at + take;
  }

  private readLine(chunk: Buffer, at: number, out: SyslogFrame[]): number {
    let end = at;
    while (end < chunk.length && chunk[end] !== LF && chunk[end] !== NUL) end++;
    const piece = chunk.subarray(at, end);
    if (this.state === 'line') {
      if (this.partBytes + piece.length > this.max + 1) {
        // +1: a CR before the LF does not count against the maximum
        this.skipped = this.partBytes + piece.length;
        this.parts = [];
        this.partBytes = 0;
        this.state = 'skip-line';
      } else {
        this.addPart(piece);
      }
    } else {
      this.skipped += piece.length;
    }
    if (end === chunk.length) return end;
    if (this.state === 'line') this.emitLine(out);
    else if (this.reportSkip) out.push(this.tooLarge(this.skipped));
    this.reset();
    return end + 1;
  }

  private emitLine(out: SyslogFrame[]): void {
    let message = this.takeParts();
    if (message.length && message[message.length - 1] === CR) message = message.subarray(0, -1);
    if (message.length > this.max) out.push(this.tooLarge(message.length));
    else if (message.length) out.push({ ok: true, message });
  }

  private tooLarge(bytes: number): SyslogFrame {
    return { ok: false, reason: `the message is ${bytes} bytes, more than the ${this.max} allowed`, bytes };
  }

  private addPart(piece: Buffer): void {
    if (piece.length === 0) return;
    this.parts.push(piece);
    this.partBytes += piece.length;
  }

  private takeParts(): Buffer {
    // One part is a view of the socket's chunk: copy it so the frame owns its bytes; concat copies already.
    const whole = this.parts.length === 1 ? Buffer.from(this.parts[0]) : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    return whole;
  }

  private reset(): void {
    this.state = 'start';
    this.parts = [];
    this.partBytes = 0;
    this.lengthDigits = '';
    this.remaining = 0;
    this.skipped = 0;
    this.reportSkip = true;
  }
}

/** A Transform from a TCP socket's bytes to `SyslogFrame` objects. */
export function syslogFrameStream(options: FramingOptions = {}): Transform {
  const splitter = new SyslogFrameSplitter(options);
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      for (const frame of splitter.push(chunk)) this.push(frame);
      done();
    },
    flush(done: TransformCallback) {
      for (const frame of splitter.end()) this.push(frame);
      done();
    },
  });
}

/** One UDP datagram as one message (a trailing LF, CR LF or NUL is dropped). */
export function datagramFrame(datagram: Buffer, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): SyslogFrame {
  let end = datagram.length;
  while (end > 0 && (datagram[end - 1] === LF || datagram[end - 1] === CR || datagram[end - 1] === NUL)) end--;
  if (end === 0) return { ok: false, reason: 'the datagram is empty', bytes: datagram.length };
  if (end > maxMessageBytes) {
    return { ok: false, reason: `the message is ${end} bytes, more than the ${maxMessageBytes} allowed`, bytes: end };
  }
  return { ok: true, message: datagram.subarray(0, end) };
}
