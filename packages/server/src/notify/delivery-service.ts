import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { TocsinError, notFound } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import * as destinations from './destination-store.js';
import type { Delivery, DeliveryStatus, Subscription } from './notify-types.js';
import * as outbox from './outbox-store.js';
import * as topics from './topic-store.js';

/** Every queue: subscriptions, and direct destinations (an alarm's webhook action, shown with topic `alarm:<name>`). */
async function listQueues(db: Kysely<Database>): Promise<Subscription[]> {
  return [...(await topics.listSubscriptions(db)), ...(await destinations.listDestinations(db))];
}

async function findQueue(db: Kysely<Database>, id: string): Promise<Subscription | undefined> {
  return (await topics.findSubscription(db, id)) ?? (await destinations.findDestinationsByIds(db, [id]))[0];
}

/** The protocol shown for a delivery whose subscription was deleted. */
const DELETED_PROTOCOL = 'unknown';

export interface DeliveryView {
  id: string;
  status: DeliveryStatus;
  purpose: string;
  topic: string;
  subscription: string;
  protocol: string;
  eventId: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  topic?: string;
  subscription?: string;
  before?: string;
  /** Made at or after (epoch ms). */
  since?: number;
  /** Made before (epoch ms). */
  until?: number;
  limit?: number;
}

/** Reading the outbox and putting deliveries back in it (replay). */
export class DeliveryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly onQueued: () => void,
  ) {}

  /** The dead letters: how many, and the newest `limit`. */
  async deadLetters(limit: number): Promise<{ count: number; newest: DeliveryView[] }> {
    const [count, newest] = await Promise.all([outbox.countDead(this.db), this.list({ status: 'dead', limit })]);
    return { count, newest };
  }

  async list(filter: DeliveryFilter): Promise<DeliveryView[]> {
    const subs = await listQueues(this.db);
    let subscriptionId: string | undefined;
    if (filter.topic || filter.subscription) {
      const match = subs.filter(
        (s) =>
          (!filter.topic || s.topicName === filter.topic) && (!filter.subscription || s.name === filter.subscription),
      );
      if (match.length === 0) return [];
      if (match.length > 1) {
        // Several subscriptions match: list each one's deliveries and merge, newest first.
        const lists = await Promise.all(
          match.map((s) => this.list({ ...filter, topic: s.topicName, subscription: s.name })),
        );
        return lists
          .flat()
          .sort((a, b) => (a.id < b.id ? 1 : -1))
          .slice(0, filter.limit ?? 100);
      }
      subscriptionId = match[0].id;
    }
    const rows = await outbox.listDeliveries(this.db, {
      status: filter.status,
      subscriptionId,
      before: filter.before,
      since: filter.since,
      until: filter.until,
      limit: filter.limit ?? 100,
    });
    const byId = new Map(subs.map((s) => [s.id, s]));
    return rows.map((d) => this.view(d, byId.get(d.subscriptionId)));
  }

  async get(id: string): Promise<DeliveryView & { event: unknown }> {
    const d = await outbox.findDelivery(this.db, id);
    if (!d) throw notFound('delivery', id);
    const sub = await findQueue(this.db, d.subscriptionId);
    const event = await outbox.findEvent(this.db, d.eventId);
    if (event && d.purpose === 'confirmation') event.attributes = { ...event.attributes, confirmToken: '<redacted>' };
    return { ...this.view(d, sub), event };
  }

  /** Sends a dead (or delivered) delivery again, in its original place in the queue. */
  async replay(id: string): Promise<DeliveryView> {
    const d = await outbox.findDelivery(this.db, id);
    if (!d) throw notFound('delivery', id);
    if (d.status === 'pending')
      throw new TocsinError('conflict', `delivery ${id} is still pending; it is retried on its own`);
    const sub = await findQueue(this.db, d.subscriptionId);
    if (!sub)
      throw new TocsinError(
        'conflict',
        `the subscription (or alarm action) of delivery ${id} was deleted; it cannot be replayed`,
      );
    await outbox.requeueDelivery(this.db, id, this.clock.now());
    this.onQueued();
    return this.view({ ...d, status: 'pending', attempts: 0, nextAttemptAt: this.clock.now() }, sub);
  }

  /**
   * Replays every dead delivery that matches. Dead letters of a deleted
   * subscription (or alarm action) have nowhere to go: they are skipped and counted.
   */
  async replayDead(filter: Omit<DeliveryFilter, 'status'>): Promise<{ replayed: number; skipped: number }> {
    let replayed = 0;
    let skipped = 0;
    let before: string | undefined;
    for (;;) {
      const page = await this.list({ ...filter, status: 'dead', before, limit: 500 });
      for (const d of page) {
        if (d.protocol === DELETED_PROTOCOL) {
          skipped++;
          continue;
        }
        await outbox.requeueDelivery(this.db, d.id, this.clock.now());
        replayed++;
      }
      if (page.length < 500) break;
      before = page[page.length - 1].id;
    }
    if (replayed) this.onQueued();
    return { replayed, skipped };
  }

  private view(d: Delivery, sub: { topicName: string; name: string; protocol: string } | undefined): DeliveryView {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      id: d.id,
      status: d.status,
      purpose: d.purpose,
      topic: sub?.topicName ?? '(deleted)',
      subscription: sub?.name ?? '(deleted)',
      protocol: sub?.protocol ?? DELETED_PROTOCOL,
      eventId: d.eventId,
      attempts: d.attempts,
      nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
      lastError: d.lastError,
      lastStatus: d.lastStatus,
      createdAt: iso(d.createdAt)!,
      deliveredAt: iso(d.deliveredAt),
    };
  }
}
