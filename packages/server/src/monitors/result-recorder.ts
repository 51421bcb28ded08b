/**
 * Keeps check results in memory and writes them in batches: packed raw
 * chunks (one per monitor per 5 minutes, with the distinct reasons of their
 * failed checks) and hourly rollups when an hour is over. A crash loses at
 * most the open chunks (raw results of the last few minutes); states and
 * notifications are written elsewhere, by group commit.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { ChunkBuilder, decodeChunk, encodeReasons, type DecodedResult, type PackedResult } from './result-codec.js';
import * as store from './result-store.js';

export const CHUNK_MS = 5 * 60_000;
const HOUR = 3600_000;

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

/**
 * The reason of the stored failure nearest to `at` (chunks round times to 0.1 s), for chunks written before reasons
 * were kept.
 */
function nearestReason(failures: readonly store.FailureRow[], at: number): string | undefined {
  let lo = 0;
  let hi = failures.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failures[mid].at < at) lo = mid + 1;
    else hi = mid;
  }
  const near = [failures[lo - 1], failures[lo]].filter((f) => f !== undefined && Math.abs(f.at - at) <= 50);
  return near[0]?.reason;
}

export class ResultRecorder {
  private chunks = new Map<number, ChunkBuilder>();
  private closedChunks: store.ChunkRow[] = [];
  private hours = new Map<number, HourAccumulator>();
  private closedHours: store.RollupRow[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  record(monitorNum: number, r: RecordedResult): void {
    let chunk = this.chunks.get(monitorNum);
    if (chunk && r.at >= chunk.startAt + CHUNK_MS) {
      this.closeChunk(monitorNum, chunk);
      chunk = undefined;
    }
    if (!chunk) {
      chunk = new ChunkBuilder(r.at);
      this.chunks.set(monitorNum, chunk);
    }
    chunk.append(r);

    const hourAt = Math.floor(r.at / HOUR) * HOUR;
    let acc = this.hours.get(monitorNum);
    if (acc && acc.hourAt !== hourAt) {
      this.closedHours.push(this.rollupOf(monitorNum, acc));
      acc = undefined;
    }
    if (!acc) {
      acc = { hourAt, checks: 0, failures: 0, latencySum: 0, latencyMax: 0, latencies: [] };
      this.hours.set(monitorNum, acc);
    }
    acc.checks++;
    if (!r.up) acc.failures++;
    acc.latencySum += r.latencyMs;
    if (r.latencyMs > acc.latencyMax) acc.latencyMax = r.latencyMs;
    acc.latencies.push(r.latencyMs);
  }

  /** Writes closed chunks and finished hours; with `all`, open ones too (at shutdown). */
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
    if (chunks.length + rollups.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await store.insertChunks(trx, chunks);
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
    const all: DecodedResult[] = [];
    const legacy: DecodedResult[] = [];
    for (const c of stored) {
      const decoded = decodeChunk(c.data, c.startAt, c.reasons);
      all.push(...decoded);
      if (c.reasons === null) legacy.push(...decoded.filter((r) => !r.up));
    }
    for (const c of this.closedChunks)
      if (c.monitorNum === monitorNum) all.push(...decodeChunk(c.data, c.startAt, c.reasons));
    const open = this.chunks.get(monitorNum);
    if (open) all.push(...decodeChunk(Uint8Array.from(open.bytes), open.startAt, encodeReasons(open.reasons)));
    if (legacy.length) {
      const failures = (await store.listFailures(this.db, monitorNum, from - 100, to + 100, 100_000)).reverse();
      for (const r of legacy) r.reason = nearestReason(failures, r.at);
    }
    const seen = new Set<number>();
    return all
      .filter((r) => r.at >= from && r.at < to && !seen.has(r.at) && seen.add(r.at))
      .sort((a, b) => b.at - a.at)
      .slice(0, limit)
      .map((r) => ({
        at: r.at,
        up: r.up,
        latencyMs: r.latencyMs,
        statusCode: r.statusCode,
        reason: r.up ? 'up' : (r.reason ?? 'down'),
      }));
  }

  forget(monitorNum: number): void {
    this.chunks.delete(monitorNum);
    this.hours.delete(monitorNum);
    this.closedChunks = this.closedChunks.filter((c) => c.monitorNum !== monitorNum);
    this.closedHours = this.closedHours.filter((c) => c.monitorNum !== monitorNum);
  }

  private closeChunk(monitorNum: number, chunk: ChunkBuilder): void {
    this.closedChunks.push({
      monitorNum,
      startAt: chunk.startAt,
      count: chunk.count,
      data: Buffer.from(chunk.bytes),
      reasons: encodeReasons(chunk.reasons),
    });
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
