import type { Protocol, SubscriptionFilter, TocsinEvent } from '@tocsin/protocol';

export interface Topic {
  id: string;
  name: string;
  displayName: string | null;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export type SubscriptionStatus = 'pending' | 'confirmed' | 'unsubscribed';

export interface SecretValue {
  value: unknown;
  /** The `${VAR}` text it came from in a config file, printed back by export. */
  ref?: string;
}

/**
 * A subscription as stored: `spec` holds everything but the secret fields.
 * A direct destination (destination-store.ts) has this shape too, so the
 * outbox sends to both alike.
 */
export interface Subscription {
  id: string;
  topicId: string;
  topicName: string;
  /**
   * Set on a direct destination: the resource it belongs to (`alarm/<id>`); it has no topic and no unsubscribe
   * link.
   */
  owner?: string;
  name: string;
  protocol: Protocol;
  spec: Record<string, unknown>;
  secrets: Record<string, SecretValue>;
  status: SubscriptionStatus;
  unsubscribeToken: string;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';
export type DeliveryPurpose = 'event' | 'confirmation';

export interface Delivery {
  id: string;
  eventId: string;
  subscriptionId: string;
  purpose: DeliveryPurpose;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

/** What a worker needs to send one delivery. */
export interface DeliveryJob {
  delivery: Delivery;
  event: TocsinEvent;
}

export function filterOf(sub: Subscription): SubscriptionFilter | undefined {
  return sub.spec.filter as SubscriptionFilter | undefined;
}

/** The full spec with secrets filled in, as a channel sends with it. */
export function resolvedSpec(sub: Subscription): Record<string, unknown> {
  const out: Record<string, unknown> = { ...sub.spec };
  for (const [field, secret] of Object.entries(sub.secrets)) out[field] = secret.value;
  return out;
}
