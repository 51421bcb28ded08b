/**
 * Reads the lines appended to one log file, by polling (fs.watch misses rotations), from a byte offset that is
 * always at a line's start. A file's identity is `${dev}:${ino}`, with `#n` after its n-th truncation seen in
 * place, so that the server (which drops a batch whose `to` is not beyond what it took of that identity) takes
 * the lines written after a copytruncate.
 *
 * States: closed (no fd; the next read opens the path, at the start position if its identity matches, else at 0)
 *   ──open──▶ following (reads from its offset; a partial last line waits for its newline)
 *   ──the path is another inode (rename rotation)──▶ draining (the old fd is read to its end; a read that finds
 *   nothing more ends it, the partial last line sent as a line) ──▶ closed, then the new file from 0.
 *   following ──the file is shorter than the offset (copytruncate)──▶ following from 0, identity `#n+1`.
 */
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export const MAX_LINE_BYTES = 256 * 1024;
export const MAX_BATCH_LINES = 1000;
/** The JSON size of a batch's lines. */
export const MAX_BATCH_BYTES = 1024 * 1024;
const READ_CHUNK = 1024 * 1024;

export interface TailedChunk {
  file: string;
  from: number;
  to: number;
  lines: string[];
}

export interface FilePosition {
  file: string;
  offset: number;
}

interface Cursor {
  fd: FileHandle;
  dev: number;
  ino: number;
  gen: number;
  offset: number;
  draining: boolean;
  skipping: boolean;
}

const identity = (c: { dev: number; ino: number; gen: number }) => `${c.dev}:${c.ino}${c.gen ? `#${c.gen}` : ''}`;

function parseIdentity(file: string): { dev: number; ino: number; gen: number } | undefined {
  const m = /^(\d+):(\d+)(?:#(\d+))?$/.exec(file);
  return m ? { dev: Number(m[1]), ino: Number(m[2]), gen: Number(m[3] ?? 0) } : undefined;
}

export class FileTailer {
  private cursor?: Cursor;

  /** `start`: the position saved for this source, if any (where the last acknowledged batch ended). */
  constructor(
    readonly filePath: string,
    private start?: FilePosition,
  ) {}

  /** The identity and offset the next read starts from, when open. */
  position(): FilePosition | undefined {
    return this.cursor ? { file: identity(this.cursor), offset: this.cursor.offset } : this.start;
  }

  /** Moves the next read to `offset` of `file` (the server's position), if that is the file being read. */
  resumeAt(pos: FilePosition): boolean {
    const c = this.cursor;
    if (c && identity(c) === pos.file) {
      c.offset = pos.offset;
      c.skipping = false;
      return true;
    }
    if (!c && (!this.start || this.start.file === pos.file)) {
      this.start = { file: pos.file, offset: pos.offset };
      return true;
    }
    return false;
  }

  /** Reads up to about `budget` bytes of whole lines, as chunks of at most 1,000 lines or 1 MB. */
  async read(budget: number): Promise<TailedChunk[]> {
    if (!this.cursor && !(await this.openCursor())) return [];
    const c = this.cursor!;
    if (!c.draining) await this.checkRotation(c);
    const chunks = await this.readLines(c, Math.min(budget, READ_CHUNK));
    if (c.draining && chunks.length === 0) await this.finishDraining(c, chunks);
    return chunks;
  }

  async close(): Promise<void> {
    await this.cursor?.fd.close().catch(() => {});
    this.cursor = undefined;
  }

  private async openCursor(): Promise<boolean> {
    const start = this.start;
    this.start = undefined;
    const saved = start && parseIdentity(start.file);
    const fd = await open(this.filePath, 'r').catch(() => undefined);
    if (!fd) return false;
    const s = await fd.stat();
    if (saved && (saved.dev !== s.dev || saved.ino !== s.ino)) {
      // Rotated while the agent was not running: finish the old file first if it is still beside the path.
      const old = await this.findByInode(saved.dev, saved.ino);
      if (old) {
        await fd.close();
        const oldFd = await open(old, 'r');
        this.cursor = { fd: oldFd, ...saved, offset: start!.offset, draining: true, skipping: false };
        return true;
      }
    }
    const same = saved && saved.dev === s.dev && saved.ino === s.ino;
    const gen = same ? saved.gen : 0;
    const cursor: Cursor = { fd, dev: s.dev, ino: s.ino, gen, offset: 0, draining: false, skipping: false };
    if (same && start) {
      if (s.size < start.offset) cursor.gen++;
      else cursor.offset = start.offset;
    }
    this.cursor = cursor;
    return true;
  }

  private async findByInode(dev: number, ino: number): Promise<string | undefined> {
    const dir = path.dirname(this.filePath);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const full = path.join(dir, name);
      const s = await stat(full).catch(() => undefined);
      if (s?.isFile() && s.dev === dev && s.ino === ino) return full;
    }
    return undefined;
  }

  private async checkRotation(c: Cursor): Promise<void> {
    const now = await stat(this.filePath).catch(() => undefined);
    if (now && (now.dev !== c.dev || now.ino !== c.ino)) {
      c.draining = true;
      return;
    }
    const size = (await c.fd.stat()).size;
    if (size < c.offset) {
      c.gen++;
      c.offset = 0;
      c.skipping = false;
    }
  }

  private async finishDraining(c: Cursor, chunks: TailedChunk[]): Promise<void> {
    const { bytesRead, buffer } = await c.fd.read(Buffer.alloc(MAX_LINE_BYTES), 0, MAX_LINE_BYTES, c.offset);
    if (bytesRead > 0 && !c.skipping) {
      const text = stripCr(decodeLine(buffer.subarray(0, bytesRead)));
      if (text) chunks.push({ file: identity(c), from: c.offset, to: c.offset + bytesRead, lines: [text] });
    }
    await this.close();
  }

  private async readLines(c: Cursor, budget: number): Promise<TailedChunk[]> {
    if (budget <= 0) return [];
    const { bytesRead, buffer } = await c.fd.read(Buffer.alloc(budget), 0, budget, c.offset);
    const data = buffer.subarray(0, bytesRead);
    const file = identity(c);
    const chunks: TailedChunk[] = [];
    let chunk: TailedChunk = { file, from: c.offset, to: c.offset, lines: [] };
    let chunkBytes = 0;
    let at = 0;
    const push = (line: string, end: number) => {
      // Counted as sent (JSON-escaped, UTF-8), so that a batch stays well under the server's 2 MiB frame.
      const weight = line ? Buffer.byteLength(JSON.stringify(line)) : 0;
      const full = chunk.lines.length >= MAX_BATCH_LINES || chunkBytes + weight > MAX_BATCH_BYTES;
      if (full && chunk.lines.length > 0) {
        chunks.push(chunk);
        chunk = { file, from: chunk.to, to: chunk.to, lines: [] };
        chunkBytes = 0;
      }
      if (line) chunk.lines.push(line);
      chunkBytes += weight;
      chunk.to = c.offset + end;
    };
    while (at < data.length) {
      const nl = data.indexOf(10, at);
      if (nl < 0) {
        // No newline: a line still being written waits, unless it is already too long to keep whole.
        if (data.length - at < MAX_LINE_BYTES) break;
        push(c.skipping ? '' : decodeLine(data.subarray(at, at + MAX_LINE_BYTES)), data.length);
        c.skipping = true;
        at = data.length;
        break;
      }
      const end = Math.min(nl, at + MAX_LINE_BYTES);
      push(c.skipping ? '' : stripCr(decodeLine(data.subarray(at, end))), nl + 1);
      c.skipping = false;
      at = nl + 1;
    }
    if (chunk.to > chunk.from) chunks.push(chunk);
    if (chunks.length) c.offset = chunks[chunks.length - 1].to;
    return chunks;
  }
}

/**
 * A line's text, within MAX_LINE_BYTES of UTF-8 as the server counts it: bytes that are not UTF-8 (and half a
 * character where a long line was cut) decode to U+FFFD, 3 bytes each, and a message over the server's limit
 * would have its whole batch refused, again at every resend.
 */
function decodeLine(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (text.length * 3 <= MAX_LINE_BYTES || Buffer.byteLength(text) <= MAX_LINE_BYTES) return text;
  const utf8 = Buffer.from(text, 'utf8');
  let cut = MAX_LINE_BYTES;
  while (cut > 0 && (utf8[cut] & 0xc0) === 0x80) cut--;
  return utf8.subarray(0, cut).toString('utf8');
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
