/**
 * Keeps check results in memory and writes them in batches: packed raw
 * chunks (one per monitor per 5 minutes), failure reasons, and hourly
 * rollups when an hour is over. A crash loses at most the open chunks
 * (raw results of the last few minutes); states and notifications are
 * written elsewhere, at once.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { appendResult, decodeChunk, type PackedResult } from './result-codec.js';
import * as store from './result-store.js';

export const CHUNK_MS = 5 * 60_000;
const HOUR = 3600_000;

interface OpenChunk {
  startAt: number;
  count: number;
  bytes: number[];
}

interface HourAccumulator {
  hourAt: number;
  checks: number;
  failures: number;
  latencySum: number;
  latencyMax: number;
  latencies: number[];
}

export interface RecordedResult extends PackedResult {
  reason: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export class ResultRecorder {
  private chunks = new Map<number, OpenChunk>();
  private closedChunks: store.ChunkRow[] = [];
  private failures: store.FailureRow[] = [];
  private hours = new Map<number, HourAccumulator>();
  private closedHours: store.RollupRow[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  record(monitorNum: number, r: RecordedResult): void {
    let chunk = this.chunks.get(monitorNum);
    if (chunk && r.at >= chunk.startAt + CHUNK_MS) {
      this.closeChunk(monitorNum, chunk);
      chunk = undefined;
    }
    if (!chunk) this.chunks.set(monitorNum, (chunk = { startAt: r.at, count: 0, bytes: [] }));
    appendResult(chunk.bytes, chunk.startAt, r);
    chunk.count++;
    if (!r.up) this.failures.push({ monitorNum, at: r.at, reason: r.reason, statusCode: r.statusCode });

    const hourAt = Math.floor(r.at / HOUR) * HOUR;
    let acc = this.hours.get(monitorNum);
    if (acc && acc.hourAt !== hourAt) {
      this.closedHours.push(this.rollupOf(monitorNum, acc));
      acc = undefined;
    }
    if (!acc) this.hours.set(monitorNum, (acc = { hourAt, checks: 0, failures: 0, latencySum: 0, latencyMax: 0, latencies: [] }));
    acc.checks++;
    if (!r.up) acc.failures++;
    acc.latencySum += r.latencyMs;
    if (r.latencyMs > acc.latencyMax) acc.latencyMax = r.latencyMs;
    acc.latencies.push(r.latencyMs);
  }

  /** Writes closed chunks, failures and finished hours; with `all`, open ones too (at shutdown). */
  async flush(now: number, all = false): Promise<void> {
    for (const [id, chunk] of this.chunks) {
      if (all || now >= chunk.startAt + CHUNK_MS) this.closeChunk(id, chunk);
    }
    const rollups = this.closedHours.splice(0);
    if (all) {
      for (const [id, acc] of this.hours) rollups.push(this.rollupOf(id, acc));
      this.hours.clear();
    }
    const chunks = this.closedChunks.splice(0);
    const failures = this.failures.splice(0);
    if (chunks.length + failures.length + rollups.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await store.insertChunks(trx, chunks);
      await store.insertFailures(trx, failures);
      await store.upsertRollups(trx, rollups);
    });
  }

  /** Checks and failures of the hour not yet written, per monitor (for uptime figures). */
  pendingCounts(monitorNum: number): { checks: number; failures: number } {
    const acc = this.hours.get(monitorNum);
    const closed = this.closedHours.filter((r) => r.monitorNum === monitorNum);
    return {
      checks: (acc?.checks ?? 0) + closed.reduce((s, r) => s + r.checks, 0),
      failures: (acc?.failures ?? 0) + closed.reduce((s, r) => s + r.failures, 0),
    };
  }

  /** Results of a time range, newest first: stored chunks and what is still in memory, with failure reasons. */
  async results(monitorNum: number, from: number, to: number, limit: number): Promise<RecordedResult[]> {
    const stored = await store.listChunks(this.db, monitorNum, from, to);
    const reasons = new Map((await store.listFailures(this.db, monitorNum, from, to, 10_000)).map((f) => [f.at, f.reason]));
    for (const f of this.failures) if (f.monitorNum === monitorNum) reasons.set(f.at, f.reason);
    const all: PackedResult[] = [];
    for (const c of stored) all.push(...decodeChunk(c.data, c.startAt));
    for (const c of this.closedChunks) if (c.monitorNum === monitorNum) all.push(...decodeChunk(c.data, c.startAt));
    const open = this.chunks.get(monitorNum);
    if (open) all.push(...decodeChunk(Uint8Array.from(open.bytes), open.startAt));
    const seen = new Set<number>();
    return all
      .filter((r) => r.at >= from && r.at < to && !seen.has(r.at) && seen.add(r.at))
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
      .map((r) => ({ ...r, reason: r.up ? 'up' : (reasons.get(r.at) ?? 'down') }));
  }

  forget(monitorNum: number): void {
    this.chunks.delete(monitorNum);
    this.hours.delete(monitorNum);
    this.failures = this.failures.filter((f) => f.monitorNum !== monitorNum);
    this.closedChunks = this.closedChunks.filter((c) => c.monitorNum !== monitorNum);
    this.closedHours = this.closedHours.filter((c) => c.monitorNum !== monitorNum);
  }

  private closeChunk(monitorNum: number, chunk: OpenChunk): void {
    this.closedChunks.push({ monitorNum, startAt: chunk.startAt, count: chunk.count, data: Buffer.from(chunk.bytes) });
    this.chunks.delete(monitorNum);
  }

  private rollupOf(monitorNum: number, acc: HourAccumulator): store.RollupRow {
    const sorted = acc.latencies.sort((a, b) => a - b);
    return {
      monitorNum,
      hourAt: acc.hourAt,
      checks: acc.checks,
      failures: acc.failures,
      latencySum: acc.latencySum,
      latencyMax: acc.latencyMax,
      latencyP50: percentile(sorted, 50),
      latencyP95: percentile(sorted, 95),
    };
  }
}
