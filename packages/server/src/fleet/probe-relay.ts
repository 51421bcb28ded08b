/**
 * Probes for agents connected to another node than the one running the check, through the database and the
 * change bus, as run-command delivers (command-delivery.ts): the checking node writes each signed frame
 * (probe_relays) and announces the check on `probe-relays`; the node holding the agent's connection sends it
 * (marked sent by compare-and-set first, so two nodes never both send it); the agent's answer comes back to
 * that node, which writes it (once, until the deadline) and announces the check on `probe-answers`; the
 * checking node reads the answers, and deletes the rows when the check ends. Notices may be lost: the checking
 * node reads the answers once more at the deadline, and a resync sends what waits for agents connected here.
 *
 * A relayed probe's states: written ──sent by the holding node──▶ sent ──answer──▶ answered; any ──check
 * ended──▶ deleted (rows of a node that stopped first are pruned after their deadline).
 */
import type { Kysely } from 'kysely';
import type { ServerMessage } from '@tocsin/protocol';
import type { ChangeBus } from '../cluster/change-bus.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Database } from '../db/db-schema.js';
import * as store from './probe-relay-store.js';

export const PROBE_RELAYS_TOPIC = 'probe-relays';
export const PROBE_ANSWERS_TOPIC = 'probe-answers';

export interface RelayLink {
  send(agentId: string, frame: ServerMessage): boolean;
  /** The agents connected to this node. */
  connected(): string[];
}

export class ProbeRelay {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: ChangeBus,
    private readonly clock: Clock,
    private readonly nodeId: string,
    private readonly link: RelayLink,
    private readonly logger: Logger,
  ) {}

  /** Listens on the change bus: frames to send here, and answers for checks (told to `onAnswers`). */
  listen(onAnswers: (checkIds: string[]) => void): void {
    const deliver = (ids?: string[]) =>
      this.deliver(ids).catch((err) => this.logger.warn('sending relayed probes failed', { err }));
    this.changes.on(PROBE_RELAYS_TOPIC, { changed: (ids) => deliver(ids), resync: () => deliver() });
    this.changes.on(PROBE_ANSWERS_TOPIC, { changed: (ids) => onAnswers(ids), resync: () => {} });
  }

  /** Writes the frames of one check for agents held by other nodes, and tells the nodes. */
  async request(checkId: string, frames: { agentId: string; frame: ServerMessage }[], deadline: number): Promise<void> {
    if (frames.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const rows = frames.map((f) => ({
        checkId,
        agentId: f.agentId,
        origin: this.nodeId,
        frame: JSON.stringify(f.frame),
        deadline,
      }));
      await store.insertRelays(trx, rows);
      await this.changes.publish(trx, PROBE_RELAYS_TOPIC, [checkId]);
    });
  }

  /** Sends the frames waiting for agents connected here (of these checks, or all). */
  async deliver(checkIds?: readonly string[]): Promise<void> {
    const now = this.clock.now();
    for (const r of await store.unsentFrames(this.db, checkIds, this.link.connected())) {
      if (r.deadline <= now || !(await store.markSent(this.db, r.checkId, r.agentId, now))) continue;
      this.link.send(r.agentId, JSON.parse(r.frame) as ServerMessage);
    }
  }

  /** An answer from an agent connected here for another node's check: written, and that node told. */
  async answer(
    agentId: string,
    m: { checkId: string; ok: boolean; latencyMs: number; message: string },
  ): Promise<void> {
    const now = this.clock.now();
    const answer = { agentId, ok: m.ok, latencyMs: m.latencyMs, message: m.message };
    const origin = await store.saveAnswer(this.db, m.checkId, answer, now);
    if (origin) await this.changes.publish(this.db, PROBE_ANSWERS_TOPIC, [m.checkId]);
  }

  answers(checkId: string): Promise<store.RelayAnswer[]> {
    return store.answersOf(this.db, checkId);
  }

  finish(checkId: string): Promise<void> {
    return store.deleteRelays(this.db, checkId);
  }

  prune(before: number): Promise<void> {
    return store.pruneRelays(this.db, before);
  }
}
