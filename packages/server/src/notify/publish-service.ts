import type { Kysely } from 'kysely';
import { eventInputSchema, type EventInput, type TocsinEvent } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { invalid, fieldIssuesOf, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import { eventMatches } from './event-filter.js';
import { filterOf, type Subscription } from './notify-types.js';
import { insertDeliveries, insertEvent, openGroupWindowEnd, type NewDelivery } from './outbox-store.js';
import { findTopicsByName, subscriptionsOfTopics } from './topic-store.js';

export interface PublishResult {
  events: TocsinEvent[];
  deliveries: number;
}

/**
 * Publishing: one event row per topic and one delivery per matching,
 * confirmed subscription, written in the caller's transaction so that the
 * state change that caused the event and its deliveries commit together.
 */
export class PublishService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** Called after a commit that queued deliveries, to wake the outbox worker. */
    private readonly onQueued: () => void = () => {},
  ) {}

  /** Publishes to one topic in a transaction of its own; unknown topic is a 404. */
  async publish(topicName: string, input: EventInput): Promise<PublishResult> {
    const result = await this.db
      .transaction()
      .execute((trx) => this.publishIn(trx, [topicName], input, { requireTopics: true }));
    if (result.deliveries > 0) this.onQueued();
    return result;
  }

  /**
   * Publishes inside an open transaction. Topics that do not exist are
   * skipped unless `requireTopics`; call `notifyQueued()` after commit.
   */
  async publishIn(
    trx: Kysely<Database>,
    topicNames: readonly string[],
    input: EventInput,
    options: { requireTopics?: boolean } = {},
  ): Promise<PublishResult> {
    const parsed = eventInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const topics = await findTopicsByName(trx, topicNames);
    if (options.requireTopics) {
      const missing = topicNames.find((n) => !topics.some((t) => t.name === n));
      if (missing) throw notFound('topic', missing);
    }
    const now = this.clock.now();
    const subs = await subscriptionsOfTopics(
      trx,
      topics.map((t) => t.id),
    );
    const events: TocsinEvent[] = [];
    const deliveries: NewDelivery[] = [];
    const windows = new Map<string, number>();
    for (const topic of topics) {
      const id = uuidv7(now);
      const event: TocsinEvent = {
        ...parsed.data,
        id,
        topic: topic.name,
        time: parsed.data.time ?? now,
        dedupKey: parsed.data.dedupKey ?? id,
      };
      await insertEvent(trx, event, topic.id, now);
      events.push(event);
      for (const sub of subs) {
        if (sub.topicId !== topic.id || sub.status !== 'confirmed') continue;
        if (!eventMatches(filterOf(sub), event)) continue;
        deliveries.push({
          id: uuidv7(now),
          eventId: id,
          subscriptionId: sub.id,
          purpose: 'event',
          nextAttemptAt: await this.windowEnd(trx, sub, now, windows),
        });
      }
    }
    await insertDeliveries(trx, deliveries, now);
    return { events, deliveries: deliveries.length };
  }

  /**
   * When a delivery to a grouping subscription goes out: at the end of the
   * window that is open for it, or of a new one starting now.
   */
  private async windowEnd(
    trx: Kysely<Database>,
    sub: Subscription,
    now: number,
    windows: Map<string, number>,
  ): Promise<number | undefined> {
    const seconds = sub.spec.groupWindowSeconds as number | undefined;
    if (!seconds) return undefined;
    let end = windows.get(sub.id) ?? (await openGroupWindowEnd(trx, sub.id, now, seconds * 1000));
    if (end === undefined) end = now + seconds * 1000;
    windows.set(sub.id, end);
    return end;
  }

  /** Wakes the outbox worker; call after committing a transaction that used `publishIn`. */
  notifyQueued(): void {
    this.onQueued();
  }
}
