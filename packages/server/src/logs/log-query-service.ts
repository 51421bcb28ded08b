/**
 * `GET /api/logs/query`: the events of one group in a time range that a filter pattern matches, newest (or
 * oldest) first, a page at a time. Blocks are read in the query's order (by their newest event for `desc`, their
 * oldest for `asc`) and reading stops once the page is full and no block left can hold an event that belongs in
 * it. A stored block is skipped unread when its time range, its highest level or the bloom filter of its
 * messages' trigrams says no event of it can match; a block read is skipped when its messages lack a term the
 * pattern needs. Events not stored yet (the writer's buffers) are read as blocks too, so they are visible at once.
 */
import type { Kysely } from 'kysely';
import type { LogEvent } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { notFound } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import { createFilterEvent } from './filter-pattern.js';
import { decodeBlock } from './log-block-codec.js';
import * as store from './log-block-store.js';
import {
  bloomAllows,
  comparePositions,
  encodeCursor,
  planQuery,
  textAllows,
  type LogQueryParams,
  type Position,
  type QueryPlan,
} from './log-query-plan.js';
import type { LogWriter } from './log-writer.js';

export type StoredLogEvent = { id: string } & LogEvent;

export interface LogQueryResult {
  events: StoredLogEvent[];
  /** The cursor of the next page, when there may be one. */
  next?: string;
  /** Blocks read (decompressed or taken from memory), blocks skipped by their index unread, lines tested. */
  scanned: { blocks: number; skipped: number; lines: number };
}

/** One block as a query reads it, stored or in memory. */
interface ReadableBlock {
  count: number;
  time(i: number): number;
  level(i: number): number;
  message(i: number): string;
  event(i: number): LogEvent;
  /** The messages' UTF-8 bytes together, when at hand (stored blocks). */
  text?: Buffer;
}

interface Source {
  id: string;
  startTime: number;
  endTime: number;
  levelMax: number;
  bloom?: Buffer;
  escapes?: boolean;
  load(): Promise<ReadableBlock | undefined>;
}

interface Hit extends Position {
  block: ReadableBlock;
}

function memoryBlock(events: readonly LogEvent[]): ReadableBlock {
  return {
    count: events.length,
    time: (i) => events[i]!.time,
    level: (i) => events[i]!.level,
    message: (i) => events[i]!.message,
    event: (i) => events[i]!,
  };
}

export class LogQueryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly writer: LogWriter,
    private readonly groupExists: (name: string) => boolean,
  ) {}

  async query(params: LogQueryParams & { minLevel?: number }): Promise<LogQueryResult> {
    const plan = planQuery(params, this.clock.now());
    if (!this.groupExists(plan.group) && this.writer.pending(plan.group).length === 0)
      throw notFound('log group', plan.group);
    const sources = await this.sources(plan);
    const scanned = { blocks: 0, skipped: 0, lines: 0 };
    let hits: Hit[] = [];
    const desc = plan.order === 'desc';
    let prefetch: { id: string; block: Promise<ReadableBlock | undefined> } | undefined;
    for (let k = 0; k < sources.length; k++) {
      const src = sources[k]!;
      const worst = hits.length > plan.limit ? hits[plan.limit]! : undefined;
      if (worst && (desc ? src.endTime < worst.t : src.startTime > worst.t)) break;
      if (src.levelMax < plan.minLevel || (src.bloom && !bloomAllows(plan, src.bloom, src.escapes!))) {
        scanned.skipped++;
        continue;
      }
      // The next block's body is fetched while this one is decoded and scanned.
      const block = await (prefetch?.id === src.id ? prefetch.block : src.load());
      const next = sources[k + 1];
      const wanted =
        next && next.levelMax >= plan.minLevel && (!next.bloom || bloomAllows(plan, next.bloom, next.escapes!));
      prefetch = next && wanted ? { id: next.id, block: next.load() } : undefined;
      prefetch?.block.catch(() => {});
      if (!block) continue;
      scanned.blocks++;
      if (block.text && !textAllows(plan, block.text)) continue;
      hits = merge(hits, this.scan(plan, src.id, block, worst, scanned), plan);
    }
    const page = hits.slice(0, plan.limit);
    const events = page.map((h) => ({ id: `${h.b}.${h.i}`, ...h.block.event(h.i) }));
    const last = page[page.length - 1];
    return { events, next: hits.length > plan.limit && last ? encodeCursor(last, plan.order) : undefined, scanned };
  }

  /** The blocks to read, in the query's order: those in memory first taken, then the stored ones not among them. */
  private async sources(plan: QueryPlan): Promise<Source[]> {
    const desc = plan.order === 'desc';
    const after = plan.after;
    const from = !desc && after ? Math.max(plan.start, after.t) : plan.start;
    const to = desc && after ? Math.min(plan.end, after.t) : plan.end;
    return this.blocksIn(plan.group, from, to, plan.order, plan.terms !== undefined);
  }

  /**
   * Every event of `group` with a time in [from, to), a block's worth at a time (blocks by their first time;
   * events inside a block in the order they came): what an archive exports. Queued events are included.
   */
  async *range(group: string, from: number, to: number): AsyncGenerator<LogEvent[]> {
    const sources = await this.blocksIn(group, from, to - 1, 'asc', false);
    let next = sources[0]?.load();
    for (let k = 0; k < sources.length; k++) {
      const block = await next;
      next = sources[k + 1]?.load();
      next?.catch(() => {});
      if (!block) continue;
      const out: LogEvent[] = [];
      for (let i = 0; i < block.count; i++) {
        const t = block.time(i);
        if (t >= from && t < to) out.push(block.event(i));
      }
      if (out.length) yield out;
    }
  }

  private async blocksIn(
    group: string,
    from: number,
    to: number,
    order: 'asc' | 'desc',
    withBloom: boolean,
  ): Promise<Source[]> {
    const desc = order === 'desc';
    const out: Source[] = [];
    // Memory before the database: a block stored in between is then read from memory, never missed.
    for (const p of this.writer.pending(group)) {
      const events = p.events.slice();
      let startTime = Number.POSITIVE_INFINITY;
      let endTime = Number.NEGATIVE_INFINITY;
      let levelMax = 0;
      for (const e of events) {
        if (e.time < startTime) startTime = e.time;
        if (e.time > endTime) endTime = e.time;
        if (e.level > levelMax) levelMax = e.level;
      }
      if (events.length && endTime >= from && startTime <= to)
        out.push({ id: p.id, startTime, endTime, levelMax, load: async () => memoryBlock(events) });
    }
    const inMemory = new Set(out.map((s) => s.id));
    for (const m of await store.blocksOverlapping(this.db, group, from, to, order, withBloom)) {
      if (inMemory.has(m.id)) continue;
      out.push({ ...m, bloom: withBloom ? m.bloom : undefined, load: () => this.loadStored(m) });
    }
    return out.sort((a, b) => (desc ? b.endTime - a.endTime : a.startTime - b.startTime));
  }

  private async loadStored(m: store.BlockMeta): Promise<ReadableBlock | undefined> {
    const body = (await store.blockBodies(this.db, [m.id])).get(m.id);
    if (!body) return undefined;
    const d = await decodeBlock(m.codec, body, m.group);
    return {
      count: d.count,
      time: (i) => d.times[i]!,
      level: (i) => d.level(i),
      message: (i) => d.message(i),
      event: (i) => d.event(i),
      text: d.text,
    };
  }

  /** The block's matching events in the query's order, stopping where they can no longer beat `worst`. */
  private scan(
    plan: QueryPlan,
    id: string,
    block: ReadableBlock,
    worst: Position | undefined,
    scanned: { lines: number },
  ): Hit[] {
    const desc = plan.order === 'desc';
    const order = positions(block, desc);
    const hits: Hit[] = [];
    for (const i of order) {
      const t = block.time(i);
      const p = { t, b: id, i };
      if (worst && (desc ? comparePositions(p, worst) < 0 : comparePositions(p, worst) > 0)) break;
      if (hits.length > plan.limit) break;
      if (t < plan.start || t > plan.end) continue;
      if (plan.after && (desc ? comparePositions(p, plan.after) >= 0 : comparePositions(p, plan.after) <= 0)) continue;
      scanned.lines++;
      if (plan.minLevel && block.level(i) < plan.minLevel) continue;
      if (!plan.matchesAll && !plan.pattern.matches(createFilterEvent(block.message(i)))) continue;
      hits.push({ ...p, block });
    }
    return hits;
  }
}

/** The block's positions in time order (then position), reversed for `desc`. */
function positions(block: ReadableBlock, desc: boolean): Uint32Array {
  const n = block.count;
  const order = new Uint32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i && block.time(i) < block.time(i - 1)) sorted = false;
  }
  if (!sorted) order.sort((a, b) => block.time(a) - block.time(b) || a - b);
  return desc ? order.reverse() : order;
}

/** The first limit + 1 hits of both lists, in the query's order. */
function merge(a: Hit[], b: Hit[], plan: QueryPlan): Hit[] {
  if (b.length === 0) return a;
  const sign = plan.order === 'desc' ? -1 : 1;
  return [...a, ...b].sort((x, y) => sign * comparePositions(x, y)).slice(0, plan.limit + 1);
}
