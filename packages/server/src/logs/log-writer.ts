/**
 * The bounded write queue between ingest and the block store (the `LogAppender` of log-pipeline.ts).
 *
 * A block's states: open (the group's buffer, taking events) ──full, or the periodic flush──▶ sealed ──a flush
 * takes every sealed block──▶ writing (encoded, in the flush's one transaction) ──commit──▶ stored (gone from
 * memory); ──the transaction failed──▶ sealed again, kept encoded, retried by the next flush. Events are visible
 * to queries in every state (`pending`). `admit` says no while the raw bytes of all blocks not yet stored exceed
 * the maximum, so a database that fails fills the queue and ingest answers 503: memory stays bounded.
 *
 * Flushes run one at a time: when a block fills (at once, not waiting for the job) and every second (the
 * module's `ctx.every` job, which seals every open buffer).
 */
import type { LogEvent } from '@tocsin/protocol';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { uuidv7 } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../db/db-schema.js';
import { DEFAULT_CODEC, encodeBlock, type CodecName, type EncodedBlock } from './log-block-codec.js';
import * as blocks from './log-block-store.js';
import type { LogAppender } from './log-pipeline.js';

export interface LogWriterOptions {
  /** Raw bytes waiting (buffered and being written) above which `admit` refuses. */
  maxQueueBytes: number;
  /** A block is sealed at this many events… */
  blockEvents: number;
  /** …or this many raw bytes. */
  blockBytes: number;
  codec: CodecName;
}

export const defaultWriterOptions: LogWriterOptions = {
  maxQueueBytes: 64 * 1024 * 1024,
  blockEvents: 16_384,
  blockBytes: 8 * 1024 * 1024,
  codec: DEFAULT_CODEC,
};

/** How the writer creates the groups it sees first (as CloudWatch Logs and Loki do). */
export interface WriterGroups {
  /** Whether the group exists already. */
  has(name: string): boolean;
  /** In the flush's transaction: stores the groups that do not exist yet, with the default retention. */
  create(trx: Kysely<Database>, names: string[]): Promise<void>;
  /** After the commit that created them. */
  created(names: string[]): void;
}

/** Events not stored yet: one block's, in arrival order (an event's id is the block's id and its position). */
export interface PendingBlock {
  readonly id: string;
  readonly group: string;
  readonly events: LogEvent[];
  bytes: number;
  /** When its first event came (the flush lag). */
  readonly since: number;
  encoded?: EncodedBlock;
}

export interface WriterStats {
  blocksWritten: number;
  eventsWritten: number;
  storedBytes: number;
  flushes: number;
  failures: number;
  lastFlushAt?: number;
  lastFlushMs?: number;
  lastError?: { at: number; message: string };
}

export class LogWriter implements LogAppender {
  private readonly open = new Map<string, PendingBlock>();
  private sealed: PendingBlock[] = [];
  private writing: PendingBlock[] = [];
  private queued = 0;
  private running?: Promise<void>;
  private again = false;
  private failuresInARow = 0;
  readonly stats: WriterStats = { blocksWritten: 0, eventsWritten: 0, storedBytes: 0, flushes: 0, failures: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly groups: WriterGroups,
    readonly options: LogWriterOptions = defaultWriterOptions,
    private readonly onFailure: (err: unknown) => void = () => {},
  ) {}

  /** Raw bytes of the events not stored yet. */
  get queuedBytes(): number {
    return this.queued;
  }

  admit(bytes: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (this.queued + bytes <= this.options.maxQueueBytes || this.queued === 0) return { ok: true };
    // A failing database is retried every second; senders wait longer the longer it fails.
    return { ok: false, retryAfterSeconds: Math.min(30, 2 ** Math.min(this.failuresInARow, 5)) };
  }

  append(events: readonly LogEvent[], bytes: number): void {
    if (events.length === 0) return;
    const now = this.clock.now();
    const share = bytes / events.length;
    for (const e of events) {
      let block = this.open.get(e.group);
      if (!block) {
        block = { id: uuidv7(now), group: e.group, events: [], bytes: 0, since: now };
        this.open.set(e.group, block);
      }
      block.events.push(e);
      block.bytes += share;
      if (block.events.length >= this.options.blockEvents || block.bytes >= this.options.blockBytes) this.seal(block);
    }
    this.queued += bytes;
    if (this.sealed.length) this.kick();
  }

  private seal(block: PendingBlock): void {
    this.open.delete(block.group);
    this.sealed.push(block);
  }

  /** Starts a flush of the sealed blocks unless one runs (which then runs again). */
  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.flush(false).catch(() => {});
  }

  /**
   * Writes every sealed block (and, with `all`, every open buffer) in one transaction. A failure keeps them for
   * the next flush and is counted, logged and thrown.
   */
  async flush(all = true): Promise<void> {
    while (this.running) await this.running.catch(() => {});
    if (all) for (const block of [...this.open.values()]) this.seal(block);
    const run = this.write().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    await run;
    while (this.again && this.sealed.length && !this.running) {
      this.again = false;
      await this.flush(false);
    }
  }

  private async write(): Promise<void> {
    const batch = this.sealed;
    if (batch.length === 0) return;
    this.sealed = [];
    this.writing = batch;
    const started = this.clock.now();
    try {
      await Promise.all(batch.map(async (b) => (b.encoded ??= await encodeBlock(b.events, this.options.codec))));
      const fresh = [...new Set(batch.map((b) => b.group))].filter((g) => !this.groups.has(g));
      await this.db.transaction().execute(async (trx) => {
        if (fresh.length) await this.groups.create(trx, fresh);
        await blocks.insertBlocks(
          trx,
          batch.map((b) => rowOf(b, started)),
        );
      });
      if (fresh.length) this.groups.created(fresh);
      this.done(batch, started);
    } catch (err) {
      this.sealed = [...batch, ...this.sealed];
      this.stats.failures++;
      this.failuresInARow++;
      this.stats.lastError = { at: this.clock.now(), message: (err as Error).message ?? String(err) };
      this.onFailure(err);
      this.logger.warn('writing log blocks failed; they stay queued and are retried', {
        blocks: batch.length,
        queuedBytes: Math.round(this.queued),
        attempt: this.failuresInARow,
        err,
      });
      throw err;
    } finally {
      this.writing = [];
    }
  }

  private done(batch: PendingBlock[], started: number): void {
    for (const b of batch) {
      this.queued -= b.bytes;
      this.stats.blocksWritten++;
      this.stats.eventsWritten += b.events.length;
      this.stats.storedBytes += b.encoded!.body.length + b.encoded!.bloom.length;
    }
    if (this.open.size === 0 && this.sealed.length === 0) this.queued = 0;
    this.failuresInARow = 0;
    this.stats.flushes++;
    this.stats.lastFlushAt = this.clock.now();
    this.stats.lastFlushMs = this.stats.lastFlushAt - started;
  }

  /** The blocks of `group` not stored yet (open, sealed, being written); their event lists only grow. */
  pending(group: string): PendingBlock[] {
    const out = [...this.writing, ...this.sealed].filter((b) => b.group === group);
    const open = this.open.get(group);
    return open ? [...out, open] : out;
  }

  /** How long the oldest event not stored yet has waited (0 when none). */
  lagMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const b of [...this.writing, ...this.sealed, ...this.open.values()]) oldest = Math.min(oldest, b.since);
    return Number.isFinite(oldest) ? this.clock.now() - oldest : 0;
  }

  /** Blocks not stored yet. */
  pendingBlocks(): number {
    return this.writing.length + this.sealed.length + this.open.size;
  }

  /** Drops the group's events not stored yet, and waits for a flush writing some (its group is being deleted). */
  async discard(group: string): Promise<void> {
    const gone = [
      ...this.sealed.filter((b) => b.group === group),
      ...(this.open.get(group) ? [this.open.get(group)!] : []),
    ];
    this.sealed = this.sealed.filter((b) => b.group !== group);
    this.open.delete(group);
    for (const b of gone) this.queued -= b.bytes;
    await this.running?.catch(() => {});
  }

  /** Flushes everything; a database that keeps failing is tried 3 times, then what is left is logged as lost. */
  async close(): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.flush(true);
        if (this.sealed.length === 0) return;
      } catch {
        // Logged by write; tried again.
      }
    }
    const lost = this.sealed.reduce((n, b) => n + b.events.length, 0);
    if (lost) this.logger.error('log events could not be stored before shutdown', { events: lost });
  }
}

function rowOf(b: PendingBlock, now: number): blocks.BlockRow {
  const e = b.encoded!;
  return {
    id: b.id,
    group: b.group,
    startTime: e.startTime,
    endTime: e.endTime,
    count: e.count,
    rawBytes: Math.round(b.bytes),
    storedBytes: e.body.length + e.bloom.length,
    codec: e.codec,
    levelMax: e.levelMax,
    escapes: e.escapes,
    bloom: e.bloom,
    body: e.body,
    createdAt: now,
  };
}
