import type { Protocol } from '@tocsin/protocol';
import type { Logger } from '../core/logger.js';
import type { LiveChange } from '../live/live-hub.js';
import type { Subscription } from './notify-types.js';
import type { Outcome } from './outbox-store.js';

/** One delivery that went to the dead letters, as the outbox worker recorded it. */
export interface DeadLetter {
  deliveryId: string;
  /** The subscription's topic; undefined when the subscription was deleted, '' for a direct destination. */
  topic?: string;
  subscription?: string;
  protocol?: Protocol;
  /** Set on a direct destination: the resource it belongs to (`alarm/<id>`). */
  owner?: string;
  error: string;
  status: number | null;
  at: number;
}

export type DeadLetterListener = (dead: DeadLetter) => void;

/** A dead letter as the live stream shows it. */
export function liveChangeOf(d: DeadLetter): LiveChange {
  return { type: 'delivery', name: d.deliveryId, state: 'dead', at: d.at, topic: d.topic, error: d.error };
}

/**
 * Who hears of dead letters once their outcome has committed: the live stream, the log pipeline's watchdog.
 * A listener runs on the worker's turn: it must be quick and must not throw (a throw is logged and skipped).
 */
export class DeadLetterHooks {
  private readonly listeners: DeadLetterListener[] = [];

  constructor(private readonly logger?: Logger) {}

  add(listener: DeadLetterListener): void {
    this.listeners.push(listener);
  }

  /** Tells every listener of each dead outcome among `outcomes` (all of one queue, `sub`'s). */
  emit(outcomes: readonly Outcome[], sub: Subscription | undefined): void {
    if (this.listeners.length === 0) return;
    for (const o of outcomes) {
      if (o.result !== 'dead') continue;
      const dead: DeadLetter = {
        deliveryId: o.id,
        topic: sub?.topicName,
        subscription: sub?.name,
        protocol: sub?.protocol,
        owner: sub?.owner,
        error: o.error,
        status: o.status,
        at: o.at,
      };
      for (const listener of this.listeners) {
        try {
          listener(dead);
        } catch (err) {
          this.logger?.warn('a dead-letter listener failed', { err });
        }
      }
    }
  }
}
