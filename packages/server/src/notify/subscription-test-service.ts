import type { Kysely } from 'kysely';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import { insertDeliveries, insertEvent } from './outbox-store.js';
import { findTopic, listSubscriptions } from './topic-store.js';

/**
 * A test notification to one subscription, as other tools' "Test" button:
 * an event of kind `test` on the subscription's topic and one delivery to
 * that subscription alone, committed together into the outbox (so it is
 * retried, dead-lettered and replayable as any delivery). The
 * subscription's filter and grouping window do not apply; only a confirmed
 * subscription is sent to, since confirmation is what makes an e-mail
 * address willing to receive.
 */
export class SubscriptionTestService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** Called after the commit, to wake the outbox worker. */
    private readonly onQueued: () => void = () => {},
  ) {}

  async send(topicName: string, subName: string): Promise<{ event: TocsinEvent; deliveryId: string }> {
    const result = await this.db.transaction().execute(async (trx) => {
      const topic = await findTopic(trx, topicName);
      if (!topic) throw notFound('topic', topicName);
      const sub = (await listSubscriptions(trx, topic.id)).find((s) => s.name === subName);
      if (!sub) throw notFound('subscription', `${topicName}/${subName}`);
      if (sub.status !== 'confirmed') {
        throw new TocsinError(
          'conflict',
          `subscription '${topicName}/${subName}' is ${sub.status}; ` +
            'only a confirmed subscription gets a test notification',
        );
      }
      const now = this.clock.now();
      const id = uuidv7(now);
      const event: TocsinEvent = {
        id,
        topic: topic.name,
        kind: 'test',
        severity: 'info',
        source: { type: 'manual', name: 'subscription-test', tags: {} },
        title: `Test notification to ${topicName}/${subName}`,
        text:
          `Sent by Tocsin on request, to check that the subscription '${subName}' of topic '${topicName}' ` +
          'reaches its destination. No action is needed.',
        attributes: {},
        dedupKey: id,
        time: now,
      };
      await insertEvent(trx, event, topic.id, now);
      const deliveryId = uuidv7(now);
      await insertDeliveries(trx, [{ id: deliveryId, eventId: id, subscriptionId: sub.id, purpose: 'event' }], now);
      return { event, deliveryId };
    });
    this.onQueued();
    return result;
  }
}
