import { sql, type Kysely, type Selectable } from 'kysely';
import type { Severity, TocsinEvent } from '@tocsin/protocol';
import { uuidv7Floor } from '../core/ids.js';
import type { Database, DeliveryTable, EventTable } from '../db/db-schema.js';
import type { Delivery, DeliveryJob, DeliveryPurpose, DeliveryStatus } from './notify-types.js';

type Q = Kysely<Database>;

const INSERT_CHUNK = 500;

function toDelivery(row: Selectable<DeliveryTable>): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    subscriptionId: row.subscription_id,
    purpose: row.purpose,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    lastStatus: row.last_status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
  };
}

export function toEvent(row: Selectable<EventTable>, topic: string): TocsinEvent {
  return {
    id: row.id,
    topic,
    kind: row.kind,
    severity: row.severity as Severity,
    source: { type: row.source_type, name: row.source_name, tags: JSON.parse(row.source_tags) },
    title: row.title,
    text: row.text,
    attributes: JSON.parse(row.attributes),
    dedupKey: row.dedup_key,
    time: row.time,
  };
}

export async function insertEvent(q: Q, event: TocsinEvent, topicId: string, now: number): Promise<void> {
  await q
    .insertInto('events')
    .values({
      id: event.id,
      topic_id: topicId,
      kind: event.kind,
      severity: event.severity,
      source_type: event.source.type,
      source_name: event.source.name,
      source_tags: JSON.stringify(event.source.tags),
      title: event.title,
      text: event.text,
      attributes: JSON.stringify(event.attributes),
      dedup_key: event.dedupKey,
      time: event.time,
      created_at: now,
    })
    .execute();
}

export interface NewDelivery {
  id: string;
  eventId: string;
  subscriptionId: string;
  purpose: DeliveryPurpose;
  /** When to send; now unless the subscription groups events (the end of its open window). */
  nextAttemptAt?: number;
}

export async function insertDeliveries(q: Q, deliveries: readonly NewDelivery[], now: number): Promise<void> {
  for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
    const chunk = deliveries.slice(i, i + INSERT_CHUNK);
    await q
      .insertInto('deliveries')
      .values(
        chunk.map((d) => ({
          id: d.id,
          event_id: d.eventId,
          subscription_id: d.subscriptionId,
          purpose: d.purpose,
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: d.nextAttemptAt ?? now,
          last_error: null,
          last_status: null,
          created_at: now,
          updated_at: now,
          delivered_at: null,
          latency_ms: null,
        })),
      )
      .execute();
  }
}

/**
 * The end of the group window open for a subscription: the due time of a
 * pending delivery created within the last `windowMs` that has not been
 * tried and is still waiting. The id range keeps it on the queue index.
 */
export async function openGroupWindowEnd(
  q: Q,
  subscriptionId: string,
  now: number,
  windowMs: number,
): Promise<number | undefined> {
  const row = await q
    .selectFrom('deliveries')
    .select((eb) => eb.fn.max('next_attempt_at').as('at'))
    .where('status', '=', 'pending')
    .where('subscription_id', '=', subscriptionId)
    .where('id', '>=', uuidv7Floor(now - windowMs))
    .where('created_at', '>=', now - windowMs)
    .where('attempts', '=', 0)
    .where('next_attempt_at', '>', now)
    .executeTakeFirst();
  return row?.at == null ? undefined : Number(row.at);
}

/**
 * Subscriptions whose oldest pending delivery is due. Only the head of a
 * queue counts: a later delivery never overtakes an earlier one in backoff.
 */
export async function dueQueueHeads(
  q: Q,
  now: number,
  limit: number,
): Promise<{ subscriptionId: string; headId: string }[]> {
  const heads = q
    .selectFrom('deliveries')
    .select(['subscription_id', (eb) => eb.fn.min('id').as('head')])
    .where('status', '=', 'pending')
    .groupBy('subscription_id')
    .as('h');
  const rows = await q
    .selectFrom(heads)
    .innerJoin('deliveries as d', 'd.id', 'h.head')
    .select(['d.subscription_id', 'd.id'])
    .where('d.next_attempt_at', '<=', now)
    .orderBy('d.next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ subscriptionId: r.subscription_id, headId: r.id }));
}

/** The earliest time any queue head becomes due, so the worker can sleep until then. */
export async function nextDueAt(q: Q): Promise<number | undefined> {
  const row = await q
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.at == null ? undefined : Number(row.at);
}

/**
 * Takes or renews the lease of each subscription's queue for `owner`; returns
 * the ids it holds. A lease held by another live node is left alone.
 */
export async function acquireLeases(
  q: Q,
  ids: readonly string[],
  owner: string,
  now: number,
  ttlMs: number,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await q
    .insertInto('subscription_leases')
    .values(ids.map((id) => ({ subscription_id: id, owner, expires_at: now + ttlMs })))
    .onConflict((oc) =>
      oc
        .column('subscription_id')
        .doUpdateSet({ owner, expires_at: now + ttlMs })
        .where((eb) =>
          eb.or([eb('subscription_leases.expires_at', '<', now), eb('subscription_leases.owner', '=', owner)]),
        ),
    )
    .returning('subscription_id')
    .execute();
  return rows.map((r) => r.subscription_id);
}

/** Drops every subscription lease: on SQLite one process owns the file, so leases left by a crashed run are void. */
export async function clearLeases(q: Q): Promise<void> {
  await q.deleteFrom('subscription_leases').execute();
}

export async function releaseLeases(q: Q, ids: readonly string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await q
    .deleteFrom('subscription_leases')
    .where('subscription_id', 'in', [...ids])
    .where('owner', '=', owner)
    .execute();
}

/**
 * The name an event shows as its topic: its topic's, or the label of the
 * direct destination it was queued for (an alarm's webhook action). Left
 * joins, so that the deliveries of a deleted topic still load (and go dead).
 */
function topicName(r: { topic_name: string | null; destination_label: string | null }): string {
  return r.topic_name ?? r.destination_label ?? '(deleted)';
}

/** The first `limit` pending deliveries of one queue, oldest first, with their events. */
export async function loadQueue(q: Q, subscriptionId: string, limit: number): Promise<DeliveryJob[]> {
  const rows = await q
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .leftJoin('topics as t', 't.id', 'e.topic_id')
    .leftJoin('destinations as x', 'x.id', 'e.topic_id')
    .selectAll('d')
    .select([
      'e.topic_id',
      'e.kind',
      'e.severity',
      'e.source_type',
      'e.source_name',
      'e.source_tags',
      'e.title',
      'e.text',
      'e.attributes',
      'e.dedup_key',
      'e.time',
      'e.created_at as event_created_at',
      't.name as topic_name',
      'x.label as destination_label',
    ])
    .where('d.subscription_id', '=', subscriptionId)
    .where('d.status', '=', 'pending')
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    delivery: toDelivery(r),
    event: toEvent({ ...r, id: r.event_id, created_at: r.event_created_at }, topicName(r)),
  }));
}

export type Outcome =
  | { id: string; result: 'delivered'; at: number; latencyMs: number; status: number | null }
  | { id: string; result: 'retry'; at: number; nextAttemptAt: number; error: string; status: number | null }
  | { id: string; result: 'dead'; at: number; error: string; status: number | null };

/** Writes the outcomes of one batch of sends in one transaction. */
export async function recordOutcomes(q: Q, outcomes: readonly Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await q.transaction().execute(async (trx) => {
    for (const o of outcomes) {
      const base = { attempts: sql<number>`attempts + 1`, updated_at: o.at, last_status: o.status };
      if (o.result === 'delivered') {
        await trx
          .updateTable('deliveries')
          .set({ ...base, status: 'delivered', delivered_at: o.at, latency_ms: o.latencyMs, last_error: null })
          .where('id', '=', o.id)
          .execute();
      } else if (o.result === 'retry') {
        await trx
          .updateTable('deliveries')
          .set({ ...base, next_attempt_at: o.nextAttemptAt, last_error: o.error })
          .where('id', '=', o.id)
          .execute();
      } else {
        await trx
          .updateTable('deliveries')
          .set({ ...base, status: 'dead', last_error: o.error })
          .where('id', '=', o.id)
          .execute();
      }
    }
  });
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  subscriptionId?: string;
  eventId?: string;
  /** Only deliveries with an id below this (for paging, newest first). */
  before?: string;
  /** Only deliveries made at or after this time (epoch ms). */
  since?: number;
  /** Only deliveries made before this time (epoch ms). */
  until?: number;
  limit: number;
}

export async function listDeliveries(q: Q, query: DeliveryQuery): Promise<Delivery[]> {
  let sel = q.selectFrom('deliveries').selectAll();
  if (query.status) sel = sel.where('status', '=', query.status);
  if (query.subscriptionId) sel = sel.where('subscription_id', '=', query.subscriptionId);
  if (query.eventId) sel = sel.where('event_id', '=', query.eventId);
  if (query.before) sel = sel.where('id', '<', query.before);
  // Ids are UUIDv7 of the creation time or later (ids never go back within a process, even when a clock does):
  // `since` bounds the primary key as well, which finds the start of the range; the times decide.
  if (query.since !== undefined)
    sel = sel.where('id', '>=', uuidv7Floor(query.since)).where('created_at', '>=', query.since);
  if (query.until !== undefined) sel = sel.where('created_at', '<', query.until);
  const rows = await sel.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(toDelivery);
}

/** How many deliveries are dead (read through the queue index's status prefix; retention bounds them). */
export async function countDead(q: Q): Promise<number> {
  const row = await q
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findDelivery(q: Q, id: string): Promise<Delivery | undefined> {
  const row = await q.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDelivery(row);
}

/** Puts a delivery back in its queue with fresh attempts. */
export async function requeueDelivery(q: Q, id: string, now: number): Promise<void> {
  await q
    .updateTable('deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, delivered_at: null })
    .where('id', '=', id)
    .execute();
}

export async function findEvent(q: Q, id: string): Promise<TocsinEvent | undefined> {
  const row = await q
    .selectFrom('events as e')
    .leftJoin('topics as t', 't.id', 'e.topic_id')
    .leftJoin('destinations as x', 'x.id', 'e.topic_id')
    .selectAll('e')
    .select(['t.name as topic_name', 'x.label as destination_label'])
    .where('e.id', '=', id)
    .executeTakeFirst();
  return row && toEvent(row, topicName(row));
}

export interface OutboxStats {
  byStatus: Record<DeliveryStatus, number>;
  oldestPendingAt: number | null;
}

export async function outboxStats(q: Q): Promise<OutboxStats> {
  const rows = await q
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
    .groupBy('status')
    .execute();
  const byStatus: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, dead: 0 };
  let oldestPendingAt: number | null = null;
  for (const r of rows) {
    byStatus[r.status] = Number(r.n);
    if (r.status === 'pending' && r.oldest != null) oldestPendingAt = Number(r.oldest);
  }
  return { byStatus, oldestPendingAt };
}

/**
 * Deletes delivered deliveries older than `before`, and events older than
 * `before` that have no delivery left. Dead letters stay until replayed or
 * until `deadBefore`.
 */
export async function pruneOutbox(
  q: Q,
  before: number,
  deadBefore: number,
): Promise<{ deliveries: number; events: number }> {
  const delivered = await q
    .deleteFrom('deliveries')
    .where('status', '=', 'delivered')
    .where('delivered_at', '<', before)
    .executeTakeFirst();
  const dead = await q
    .deleteFrom('deliveries')
    .where('status', '=', 'dead')
    .where('updated_at', '<', deadBefore)
    .executeTakeFirst();
  const events = await q
    .deleteFrom('events')
    .where('created_at', '<', before)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.event_id', '=', 'events.id'))),
    )
    .executeTakeFirst();
  return {
    deliveries: Number(delivered.numDeletedRows) + Number(dead.numDeletedRows),
    events: Number(events.numDeletedRows),
  };
}
