/**
 * Direct destinations: a channel config that belongs to a resource instead
 * of a topic — an alarm's webhook action.
 *
 * Why a row of its own, rather than a hidden topic or a delivery row that
 * carries its channel config: the outbox keys everything by a queue id —
 * send order, leases, rate limits, the retry policy, the deliveries API and
 * replay — and a destination row is such a queue exactly as a subscription
 * is, so none of that changes. Its secrets are stored once, not copied into
 * every delivery kept for months, and no hidden topic shows up in topic
 * lists, exports or `apply --prune`. The owner keeps its destinations in
 * step with its config (`sync`). A changed config is a new destination:
 * deliveries still queued for the old one go dead, as a deleted
 * subscription's do, and can be replayed only while it exists.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  eventInputSchema,
  secretFields,
  type EventInput,
  type Protocol,
  type SubscriptionSpec,
} from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import * as store from './destination-store.js';
import type { SecretValue } from './notify-types.js';
import { insertDeliveries, insertEvent, type NewDelivery } from './outbox-store.js';
import { stableJson } from '../core/stable-json.js';
import { defaultSubscriptionName } from './subscription-spec.js';

/**
 * Where a direct delivery goes: a protocol and the spec its channel reads (a webhook: endpoint, headers, secret,
 * retry).
 */
export interface DirectTarget {
  protocol: Protocol;
  spec: Record<string, unknown>;
}

function configKey(t: DirectTarget): string {
  return createHash('sha256')
    .update(stableJson({ protocol: t.protocol, spec: t.spec }))
    .digest('hex');
}

export class DestinationService {
  constructor(private readonly clock: Clock) {}

  /** Makes the owner's destinations exactly `targets`, in the caller's transaction (no targets: deletes them all). */
  async sync(q: Kysely<Database>, owner: string, label: string, targets: readonly DirectTarget[]): Promise<void> {
    const stored = await store.destinationsOf(q, owner);
    const keys = new Set(targets.map(configKey));
    await store.deleteDestinations(
      q,
      stored.filter((d) => !keys.has(d.configKey)).map((d) => d.id),
    );
    await this.ensure(q, owner, label, targets, stored);
  }

  /**
   * Queues one event and delivery per distinct target, in the caller's
   * transaction, as `PublishService.publishIn` does for topics; wake the
   * outbox after commit. Returns the delivery id for each target.
   */
  async sendIn(
    trx: Kysely<Database>,
    owner: string,
    label: string,
    targets: readonly DirectTarget[],
    input: EventInput,
  ): Promise<string[]> {
    const parsed = eventInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const now = this.clock.now();
    const destinations = await this.ensure(trx, owner, label, targets, await store.destinationsOf(trx, owner));
    const byDestination = new Map<string, string>();
    const deliveries: NewDelivery[] = [];
    for (const d of destinations) {
      if (byDestination.has(d.id)) continue;
      const eventId = uuidv7(now);
      await insertEvent(
        trx,
        {
          ...parsed.data,
          id: eventId,
          topic: label,
          time: parsed.data.time ?? now,
          dedupKey: parsed.data.dedupKey ?? eventId,
        },
        d.id,
        now,
      );
      const deliveryId = uuidv7(now);
      deliveries.push({ id: deliveryId, eventId, subscriptionId: d.id, purpose: 'event' });
      byDestination.set(d.id, deliveryId);
    }
    await insertDeliveries(trx, deliveries, now);
    return destinations.map((d) => byDestination.get(d.id)!);
  }

  /** The destination of each target, in order; the ones not stored yet are made. */
  private async ensure(
    q: Kysely<Database>,
    owner: string,
    label: string,
    targets: readonly DirectTarget[],
    stored: store.Destination[],
  ): Promise<store.Destination[]> {
    const known = new Map(stored.map((d) => [d.configKey, d]));
    const out: store.Destination[] = [];
    for (const t of targets) {
      const key = configKey(t);
      let d = known.get(key);
      if (!d) {
        d = this.destination(owner, label, t, key);
        await store.insertDestination(q, d);
        known.set(key, d);
      }
      out.push(d);
    }
    return out;
  }

  private destination(owner: string, label: string, t: DirectTarget, key: string): store.Destination {
    const now = this.clock.now();
    const spec: Record<string, unknown> = {};
    const secrets: Record<string, SecretValue> = {};
    for (const [k, v] of Object.entries(t.spec)) {
      if (v === undefined) continue;
      if (secretFields[t.protocol].includes(k)) secrets[k] = { value: v };
      else spec[k] = v;
    }
    const id = uuidv7(now);
    const name = defaultSubscriptionName({ protocol: t.protocol, ...t.spec } as SubscriptionSpec);
    return {
      id,
      topicId: id,
      topicName: label,
      owner,
      name,
      protocol: t.protocol,
      spec,
      secrets,
      status: 'confirmed',
      unsubscribeToken: '',
      createdAt: now,
      updatedAt: now,
      configKey: key,
    };
  }
}
