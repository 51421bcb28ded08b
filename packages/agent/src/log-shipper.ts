/**
 * Ships the configured log files as `logs` frames. Each poll reads what was appended (at most `capBytes` not yet
 * acknowledged in all: past that the file on disk is the buffer), queues it as batches with a seq, and sends the
 * batches not yet sent when connected. A batch leaves the queue on the server's `ack`; only then is its source's
 * position written (write-rename to positions.json), so a restart resumes after the last batch the server took.
 *
 * States of a batch: queued ──sent (connected)──▶ sent ──ack──▶ done (position saved)
 *   sent ──connection lost──▶ queued (sent again, same seq, after the next welcome).
 * Of the shipper: disconnected (reads and queues up to the cap) ──connected(welcome)──▶ connected (drops
 *   batches the welcome's positions cover, sends the queue in order) ──disconnected──▶ disconnected.
 */
import path from 'node:path';
import type { LogBatch } from '@tocsin/protocol';
import type { AgentLog } from './agent-log.js';
import { FileTailer, type FilePosition } from './file-tailer.js';
import { readJson, writeJsonAtomic } from './state-files.js';

export interface LogSource {
  name: string;
  group: string;
  path: string;
}

export interface LogShipperOptions {
  sources: LogSource[];
  stateDir: string;
  log: AgentLog;
  now?: () => number;
  /** How often the files are read (and so the longest a line waits for its batch). */
  pollMs?: number;
  /** Bytes read but not acknowledged past which reading pauses. */
  capBytes?: number;
}

interface Queued {
  batch: LogBatch;
  bytes: number;
  sent: boolean;
}

export const DEFAULT_CAP_BYTES = 16 * 1024 * 1024;

export class LogShipper {
  private readonly tailers = new Map<string, { source: LogSource; tailer: FileTailer }>();
  private readonly queue: Queued[] = [];
  private positions: Record<string, FilePosition>;
  private send?: (frame: LogBatch) => boolean;
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly file: string;

  constructor(private readonly o: LogShipperOptions) {
    this.file = path.join(o.stateDir, 'positions.json');
    this.positions = (readJson(this.file) as Record<string, FilePosition> | undefined) ?? {};
    for (const source of o.sources)
      this.tailers.set(source.name, { source, tailer: new FileTailer(source.path, this.positions[source.name]) });
  }

  /** Starts polling every `pollMs`. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.polling = this.poll()
        .catch((err) => this.o.log.warn('log poll failed', { err }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? 1000);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    for (const { tailer } of this.tailers.values()) await tailer.close();
  }

  /** Bytes read and not acknowledged. */
  unackedBytes(): number {
    return this.queue.reduce((sum, q) => sum + q.bytes, 0);
  }

  /**
   * After a welcome: the server's positions first, then every batch still queued, in order. It waits for a poll
   * under way, whose read would otherwise land after the positions were applied.
   */
  connected(
    send: (frame: LogBatch) => boolean,
    positions: Record<string, { file: string; to: number }>,
  ): Promise<void> {
    return this.exclusive(() => this.applyWelcome(send, positions));
  }

  private applyWelcome(
    send: (frame: LogBatch) => boolean,
    serverPositions: Record<string, { file: string; to: number }>,
  ) {
    for (const [name, pos] of Object.entries(serverPositions)) {
      const entry = this.tailers.get(name);
      if (!entry) continue;
      const sameFile = (q: Queued) => q.batch.source === name && q.batch.file === pos.file;
      // Read before the welcome across the server's position (a restart after an ack that was not saved):
      // read again from that position.
      const straddles = this.queue.some((q) => sameFile(q) && q.batch.from < pos.to && q.batch.to > pos.to);
      this.removeWhere((q) => sameFile(q) && (straddles || q.batch.to <= pos.to));
      if (!this.queue.some((q) => q.batch.source === name)) entry.tailer.resumeAt({ file: pos.file, offset: pos.to });
    }
    this.send = send;
    for (const q of this.queue) q.sent = false;
    this.flush();
  }

  disconnected(): void {
    this.send = undefined;
    for (const q of this.queue) q.sent = false;
  }

  /** The server stored batch `seq`: its position is saved. */
  ack(seq: number): void {
    const i = this.queue.findIndex((q) => q.batch.seq === seq);
    if (i < 0) return;
    const [q] = this.queue.splice(i, 1);
    this.positions[q.batch.source] = { file: q.batch.file, offset: q.batch.to };
    writeJsonAtomic(this.file, this.positions);
  }

  /** One read of every file (also what the poll timer runs). */
  poll(): Promise<void> {
    return this.exclusive(() => this.readAll());
  }

  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => {});
    return run;
  }

  private async readAll(): Promise<void> {
    const cap = this.o.capBytes ?? DEFAULT_CAP_BYTES;
    for (const { source, tailer } of this.tailers.values()) {
      const budget = cap - this.unackedBytes();
      if (budget <= 0) break;
      const chunks = await tailer.read(budget).catch((err) => {
        this.o.log.warn('cannot read log file', { source: source.name, path: source.path, err });
        return [];
      });
      const time = (this.o.now ?? Date.now)();
      for (const c of chunks) {
        const batch: LogBatch = {
          type: 'logs',
          seq: this.seq++,
          source: source.name,
          group: source.group,
          file: c.file,
          from: c.from,
          to: c.to,
          lines: c.lines.map((message) => ({ time, message })),
        };
        this.queue.push({ batch, bytes: c.to - c.from, sent: false });
      }
    }
    this.flush();
  }

  private flush(): void {
    if (!this.send) return;
    // A copy: an ack may come while sending (and take its batch out of the queue).
    for (const q of [...this.queue]) {
      if (q.sent) continue;
      if (!this.send(q.batch)) return;
      q.sent = true;
    }
  }

  private removeWhere(pred: (q: Queued) => boolean): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (pred(this.queue[i])) this.queue.splice(i, 1);
  }
}
