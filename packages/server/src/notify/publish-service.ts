import type { Kysely } from 'kysely';
import { eventInputSchema, type EventInput, type TocsinEvent } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { invalid, fieldIssuesOf, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import { eventMatches } from './event-filter.js';
import { filterOf } from './notify-types.js';
import { insertDeliveries, insertEvent, type NewDelivery } from './outbox-store.js';
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
    const result = await this.db.transaction().execute((trx) => this.publishIn(trx, [topicName], input, { requireTopics: true }));
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
        deliveries.push({ id: uuidv7(now), eventId: id, subscriptionId: sub.id, purpose: 'event' });
      }
    }
    await insertDeliveries(trx, deliveries, now);
    return { events, deliveries: deliveries.length };
  }

  /** Wakes the outbox worker; call after committing a transaction that used `publishIn`. */
  notifyQueued(): void {
    this.onQueued();
  }
}
