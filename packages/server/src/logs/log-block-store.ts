import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

/** A block's row without its body: what a query prunes by. */
export interface BlockMeta {
  id: string;
  group: string;
  startTime: number;
  endTime: number;
  count: number;
  rawBytes: number;
  storedBytes: number;
  codec: string;
  levelMax: number;
  /** Whether a message holds a `\u` escape. */
  escapes: boolean;
  bloom: Buffer;
}

export interface BlockRow extends BlockMeta {
  body: Buffer;
  createdAt: number;
}

/** A group's stored totals. */
export interface GroupStats {
  group: string;
  blocks: number;
  count: number;
  rawBytes: number;
  storedBytes: number;
  firstTime: number;
  lastTime: number;
}

/** Writes blocks in one statement per 200 rows (SQLite's limit on bound values is 32,766). */
export async function insertBlocks(q: Q, blocks: readonly BlockRow[]): Promise<void> {
  for (let i = 0; i < blocks.length; i += 200) {
    const values = blocks.slice(i, i + 200).map((b) => ({
      id: b.id,
      group_name: b.group,
      start_time: b.startTime,
      end_time: b.endTime,
      count: b.count,
      raw_bytes: b.rawBytes,
      stored_bytes: b.storedBytes,
      codec: b.codec,
      level_max: b.levelMax,
      escapes: b.escapes ? 1 : 0,
      bloom: b.bloom,
      body: b.body,
      created_at: b.createdAt,
    }));
    await q
      .insertInto('log_blocks')
      .values(values)
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

/**
 * The blocks of `group` overlapping [from, to], without their bodies: newest end first (`desc`) or oldest start
 * first (`asc`), the order a query reads them in. Without `withBloom`, their bloom filters are left empty (a
 * query with no term to look for: a day's filters are megabytes).
 */
export async function blocksOverlapping(
  q: Q,
  group: string,
  from: number,
  to: number,
  order: 'asc' | 'desc',
  withBloom = true,
): Promise<BlockMeta[]> {
  let sel = q
    .selectFrom('log_blocks')
    .select([
      'id',
      'group_name',
      'start_time',
      'end_time',
      'count',
      'raw_bytes',
      'stored_bytes',
      'codec',
      'level_max',
      'escapes',
      withBloom ? 'bloom' : sql<Buffer>`null`.as('bloom'),
    ])
    .where('group_name', '=', group)
    .where('end_time', '>=', from)
    .where('start_time', '<=', to);
  sel =
    order === 'desc' ? sel.orderBy('end_time', 'desc').orderBy('id', 'desc') : sel.orderBy('start_time').orderBy('id');
  const rows = await sel.execute();
  return rows.map((r) => ({
    id: r.id,
    group: r.group_name,
    startTime: Number(r.start_time),
    endTime: Number(r.end_time),
    count: Number(r.count),
    rawBytes: Number(r.raw_bytes),
    storedBytes: Number(r.stored_bytes),
    codec: r.codec,
    levelMax: Number(r.level_max),
    escapes: Number(r.escapes) === 1,
    bloom: r.bloom ? Buffer.from(r.bloom) : Buffer.alloc(0),
  }));
}

/** The bodies of blocks by id (a block deleted meanwhile is absent). */
export async function blockBodies(q: Q, ids: readonly string[]): Promise<Map<string, Buffer>> {
  if (ids.length === 0) return new Map();
  const rows = await q.selectFrom('log_blocks').select(['id', 'body']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, Buffer.from(r.body)]));
}

/** Deletes the group's blocks; returns how many. */
export async function deleteGroupBlocks(q: Q, group: string): Promise<number> {
  const r = await q.deleteFrom('log_blocks').where('group_name', '=', group).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes the group's whole blocks whose newest event is older than `cutoff`; returns how many. */
export async function deleteBlocksEndingBefore(q: Q, group: string, cutoff: number): Promise<number> {
  const r = await q
    .deleteFrom('log_blocks')
    .where('group_name', '=', group)
    .where('end_time', '<', cutoff)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Totals per group that has blocks. */
export async function groupStats(q: Q): Promise<GroupStats[]> {
  const rows = await q
    .selectFrom('log_blocks')
    .select([
      'group_name',
      sql<number>`count(*)`.as('blocks'),
      sql<number>`sum(count)`.as('count'),
      sql<number>`sum(raw_bytes)`.as('raw_bytes'),
      sql<number>`sum(stored_bytes)`.as('stored_bytes'),
      sql<number>`min(start_time)`.as('first_time'),
      sql<number>`max(end_time)`.as('last_time'),
    ])
    .groupBy('group_name')
    .orderBy('group_name')
    .execute();
  return rows.map((r) => ({
    group: r.group_name,
    blocks: Number(r.blocks),
    count: Number(r.count),
    rawBytes: Number(r.raw_bytes),
    storedBytes: Number(r.stored_bytes),
    firstTime: Number(r.first_time),
    lastTime: Number(r.last_time),
  }));
}
