import type { Protocol, TocsinEvent } from '@tocsin/protocol';
import type { DeliveryPurpose } from '../notify-types.js';

/** Everything a channel needs to send one delivery; secrets are already filled in. */
export interface SendRequest {
  deliveryId: string;
  purpose: DeliveryPurpose;
  /** 1 for the first attempt. */
  attempt: number;
  event: TocsinEvent;
  /** The subscription's spec with secret fields resolved. */
  spec: Record<string, unknown>;
  subscriptionName: string;
  /** Set when one message stands for a group window: the events, oldest first (`event` is then their digest). */
  group?: TocsinEvent[];
  links: {
    /** Where a person stops receiving these messages. */
    unsubscribe: string;
    /** E-mail confirmation link; set when purpose is `confirmation`. */
    confirm?: string;
  };
  timeoutMs: number;
  /** This instance's id: HTTP channels send it as `x-tocsin-origin`, log channels also mark each entry with it. */
  origin?: string;
}

/**
 * The outcome of one attempt, as a value. `retryable` failures go back to
 * the queue with backoff (408, 429, 5xx, network errors); the others go to
 * the dead letters at once.
 */
export type SendOutcome =
  | { ok: true; status?: number }
  | { ok: false; retryable: boolean; error: string; status?: number; retryAfterMs?: number };

export interface Channel {
  readonly protocol: Protocol;
  /** Deliveries a second a destination takes by default (Slack webhooks: 1); undefined is unlimited. */
  readonly defaultRateLimit?: number;
  /** Rate limits apply per destination: the same webhook URL shares one budget. */
  destinationKey(spec: Record<string, unknown>): string;
  send(request: SendRequest): Promise<SendOutcome>;
  close?(): Promise<void>;
}
