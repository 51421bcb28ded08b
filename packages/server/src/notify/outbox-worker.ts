/**
 * The outbox worker: delivers what publishing queued.
 *
 * Delivery states:
 *   pending ──send ok──────────────▶ delivered
 *   pending ──408/429/5xx/network──▶ pending (attempts+1, next_attempt_at = now + backoff)
 *   pending ──other 4xx, or past the attempt or age limit──▶ dead
 *   dead / delivered ──replay──▶ pending (attempts reset)
 *
 * Each subscription (or direct destination, see destination-service.ts) is
 * one queue, sent strictly in id order: a delivery in backoff holds back the
 * ones behind it. A node works a queue only while it
 * holds the queue's lease, so two nodes never send the same queue; a dead
 * node's leases expire and another node picks its queues up. Outcomes are
 * written in batches; a crash re-sends only what was sent but not yet
 * recorded, with the same delivery id and dedup key.
 *
 * A subscription with a group window has its deliveries queued for the end
 * of the window (see PublishService). When that head is due, it and the
 * deliveries behind it due at the same time go out as one message, and all
 * of them move together: delivered, retried (same next_attempt_at) or dead.
 *
 * The worker has no loop of its own: its rounds are the scheduler job
 * `outbox-send` (one key). A round sends every due queue, then answers when
 * to look again: at once if it sent something, else at the earliest next
 * attempt it knows (the database's, a rate limit's), at most `pollMs` away,
 * since other nodes may queue work. `wake()` makes the key due now.
 *
 * Worker states: stopped ──start──▶ started (rounds scheduled) ──stop──▶ stopping (the round in
 * flight finishes its sends; a wake no round served yet gets one last round) ──▶ stopped
 */
import type { LiveChange } from '../live/live-hub.js';
import type { Kysely } from 'kysely';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { defaultBackoff, retryDelay, type BackoffPolicy } from '../core/backoff.js';
import { formatDuration } from '../core/durations.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Database } from '../db/db-schema.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { ChannelRegistry } from './channels/channel-registry.js';
import { resolvedSpec, type Delivery, type DeliveryJob, type Subscription } from './notify-types.js';
import {
  acquireLeases,
  dueQueueHeads,
  loadQueue,
  nextDueAt,
  recordOutcomes,
  releaseLeases,
  type Outcome,
} from './outbox-store.js';
import { RateLimiter, type TokenBuckets } from '../core/rate-limiter.js';
import { DeadLetterHooks, liveChangeOf } from './dead-letter-hooks.js';
import { digestEvent } from './digest.js';
import { findDestinationsByIds } from './destination-store.js';
import { findSubscriptionsByIds } from './topic-store.js';

export interface OutboxOptions {
  nodeId: string;
  /** Queues sent in parallel. */
  concurrency: number;
  /** Deliveries read and recorded per round trip to the database. */
  batchSize: number;
  leaseMs: number;
  /** Longest sleep when nothing is due (other nodes may queue work). */
  pollMs: number;
  timeoutMs: number;
  maxAttempts: number;
  maxAgeMs: number;
  backoff: BackoffPolicy;
  /** Token buckets of rate-limited destinations (default: in this process; shared-rate-limiter.ts on PostgreSQL). */
  limiter?: TokenBuckets;
  /** After commit, each delivery that went dead (the live stream). */
  live?: (change: LiveChange) => void;
}

/** Outcomes written per transaction while a queue drains; bounds re-sends after a crash. */
const RECORD_EVERY = 20;

export const defaultOutboxOptions: Omit<OutboxOptions, 'nodeId' | 'limiter'> = {
  concurrency: 16,
  batchSize: 100,
  leaseMs: 30_000,
  pollMs: 1000,
  timeoutMs: 10_000,
  maxAttempts: 20,
  maxAgeMs: 24 * 3600_000,
  backoff: defaultBackoff,
};

/** The scheduler job of the worker's rounds, and its one key. */
export const OUTBOX_JOB = 'outbox-send';
const ROUND_KEY = 'all';

/** Most events one grouped message carries. */
const MAX_GROUP = 100;

/**
 * Whether a delivery may share a message: an event that waits for its group
 * window (due after its last update) or for a retry. A replayed delivery is
 * due the moment it was replayed, so it goes alone.
 */
function groupable(d: Delivery): boolean {
  return d.purpose === 'event' && (d.attempts > 0 || d.nextAttemptAt > d.updatedAt);
}

/**
 * The deliveries sent as one message from position `i`: for a subscription
 * with a group window, the run of groupable deliveries with the head's due
 * time and attempt count (one window, or one group being retried); otherwise
 * just the one. `open` when the run reaches the end of `jobs` and could go
 * on past it.
 */
function groupAt(sub: Subscription, jobs: DeliveryJob[], i: number): { group: DeliveryJob[]; open: boolean } {
  const head = jobs[i].delivery;
  if (!sub.spec.groupWindowSeconds || !groupable(head)) return { group: [jobs[i]], open: false };
  let j = i + 1;
  while (j < jobs.length && j - i < MAX_GROUP) {
    const d = jobs[j].delivery;
    if (!groupable(d) || d.nextAttemptAt !== head.nextAttemptAt || d.attempts !== head.attempts) break;
    j++;
  }
  return { group: jobs.slice(i, j), open: j === jobs.length && j - i < MAX_GROUP };
}

export interface Links {
  unsubscribe(sub: Subscription): string;
  confirm(token: string): string;
}

export class OutboxWorker {
  private readonly options: OutboxOptions;
  private readonly limiter: TokenBuckets;
  /** Queues this process is sending now. */
  private readonly busy = new Set<string>();
  /** Queues waiting for a rate-limit token, until the given time. */
  private readonly heldUntil = new Map<string, number>();
  private running = false;
  /** The round in flight, if any: stop waits for its sends. */
  private round?: Promise<number | null>;
  /** A wake came after the last round began. */
  private woken = false;
  private readonly sent;
  private readonly latency;
  readonly deadLetters: DeadLetterHooks;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly channels: ChannelRegistry,
    private readonly links: Links,
    private readonly logger: Logger,
    telemetry: Telemetry,
    options: Partial<OutboxOptions> & { nodeId: string },
  ) {
    this.options = { ...defaultOutboxOptions, ...options };
    this.limiter = options.limiter ?? new RateLimiter();
    this.deadLetters = new DeadLetterHooks(logger);
    if (options.live) this.deadLetters.add((d) => options.live?.(liveChangeOf(d)));
    this.sent = telemetry.counter(
      'tocsin_deliveries_total',
      'Delivery attempts by protocol and outcome (delivered, retry, dead).',
    );
    this.latency = telemetry.histogram(
      'tocsin_delivery_latency_seconds',
      'Time from publishing to delivery.',
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    );
    // Every node sends: each queue has a lease of its own (outbox-store.ts).
    scheduler.addJob({
      name: OUTBOX_JOB,
      concurrency: 1,
      everyNode: true,
      run: () => (this.round = this.sendRound()),
    });
  }

  /** Schedules rounds (the scheduler must be started too). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduler.schedule(OUTBOX_JOB, ROUND_KEY, this.clock.now());
  }

  /**
   * Schedules no more rounds; resolves once the round in flight has finished
   * its sends. A wake that no round served yet (the scheduler stops first at
   * shutdown, and the last state changes queue deliveries after it) gets one
   * last round here.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.scheduler.cancel(OUTBOX_JOB, ROUND_KEY);
    await this.round;
    if (!this.woken) return;
    this.woken = false;
    await this.runOnce().catch((err) => this.logger.error('outbox round failed', { err }));
  }

  /** Makes the next round due now, so newly queued deliveries go out at once; cheap when one already is. */
  wake(): void {
    if (!this.running) return;
    this.woken = true;
    this.scheduler.hasten(OUTBOX_JOB, ROUND_KEY, this.clock.now());
  }

  /** One round; answers when the next is due, or null once stopped. */
  private async sendRound(): Promise<number | null> {
    if (!this.running) return null;
    this.woken = false;
    let sleepMs = this.options.pollMs;
    try {
      const sent = await this.runOnce();
      if (sent > 0) return this.running ? this.clock.now() : null;
      sleepMs = await this.sleepTime();
    } catch (err) {
      this.logger.error('outbox round failed', { err });
    }
    return this.running ? this.clock.now() + sleepMs : null;
  }

  private async sleepTime(): Promise<number> {
    const now = this.clock.now();
    let at = now + this.options.pollMs;
    const due = await nextDueAt(this.db);
    if (due !== undefined) at = Math.min(at, due);
    for (const t of this.heldUntil.values()) at = Math.min(at, t);
    return Math.max(10, at - now);
  }

  /** Sends every queue whose head is due, once; returns the number of attempts made. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const heads = await dueQueueHeads(this.db, now, this.options.concurrency * 4);
    const candidates = heads
      .map((h) => h.subscriptionId)
      .filter((id) => !this.busy.has(id) && (this.heldUntil.get(id) ?? 0) <= now);
    if (candidates.length === 0) return 0;
    const leased = await acquireLeases(this.db, candidates, this.options.nodeId, now, this.options.leaseMs);
    // A queue is a subscription's or a direct destination's (an alarm's webhook action): both have the
    // subscription's shape.
    const owners: Subscription[] = [
      ...(await findSubscriptionsByIds(this.db, leased)),
      ...(await findDestinationsByIds(this.db, leased)),
    ];
    const subs = new Map(owners.map((s) => [s.id, s]));
    let attempts = 0;
    const queue = [...leased];
    const workers = Array.from({ length: Math.min(this.options.concurrency, queue.length) }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        this.busy.add(id);
        try {
          attempts += await this.drain(id, subs.get(id));
        } catch (err) {
          this.logger.error('outbox queue failed', { subscription: id, err });
        } finally {
          this.busy.delete(id);
          await releaseLeases(this.db, [id], this.options.nodeId).catch(() => {});
        }
      }
    });
    await Promise.all(workers);
    return attempts;
  }

  /** Sends one queue in order until it is empty, blocked by backoff or rate-limited. */
  private async drain(subscriptionId: string, sub: Subscription | undefined): Promise<number> {
    let attempts = 0;
    for (;;) {
      const jobs = await loadQueue(this.db, subscriptionId, this.options.batchSize);
      if (jobs.length === 0) return attempts;
      const outcomes: Outcome[] = [];
      let blocked = false;
      for (let i = 0; i < jobs.length; ) {
        const job = jobs[i];
        const now = this.clock.now();
        if (job.delivery.nextAttemptAt > now) {
          blocked = true;
          break;
        }
        if (!sub || sub.status === 'unsubscribed') {
          outcomes.push({
            id: job.delivery.id,
            result: 'dead',
            at: now,
            status: null,
            error: sub ? 'the recipient unsubscribed' : 'the subscription (or alarm action) was deleted',
          });
          i++;
          continue;
        }
        const { group, open } = groupAt(sub, jobs, i);
        // A group that may go on past this batch is read again from its start.
        if (open && i > 0 && jobs.length === this.options.batchSize) break;
        const wait = await this.rateLimitWait(sub, now);
        if (wait > 0) {
          this.heldUntil.set(subscriptionId, now + wait);
          blocked = true;
          break;
        }
        this.heldUntil.delete(subscriptionId);
        const results = await this.attempt(sub, group);
        outcomes.push(...results);
        i += group.length;
        attempts++;
        if (results[0].result === 'retry') {
          blocked = true;
          break;
        }
        // Record often: what was sent but not recorded is sent again after a crash.
        if (outcomes.length >= RECORD_EVERY) await this.record(outcomes.splice(0), sub);
      }
      await this.record(outcomes, sub);
      if (blocked || jobs.length < this.options.batchSize) return attempts;
      await acquireLeases(this.db, [subscriptionId], this.options.nodeId, this.clock.now(), this.options.leaseMs);
    }
  }

  /** Writes outcomes; then tells the dead-letter listeners (the live stream, the watchdog) of those that went dead. */
  private async record(outcomes: Outcome[], sub: Subscription | undefined): Promise<void> {
    await recordOutcomes(this.db, outcomes);
    this.deadLetters.emit(outcomes, sub);
  }

  private async rateLimitWait(sub: Subscription, now: number): Promise<number> {
    const channel = this.channels.get(sub.protocol);
    const rate = (sub.spec.rateLimit as number | undefined) ?? channel.defaultRateLimit;
    if (!rate) return 0;
    return this.limiter.take(`${sub.protocol}:${channel.destinationKey(resolvedSpec(sub))}`, rate, now);
  }

  /** Sends one delivery, or one message for a group; returns an outcome for each delivery. */
  private async attempt(sub: Subscription, jobs: DeliveryJob[]): Promise<Outcome[]> {
    const outcome = await this.attemptOne(sub, jobs[0], jobs.length > 1 ? jobs.map((j) => j.event) : undefined);
    return jobs.map(({ delivery }) => {
      if (outcome.result !== 'delivered') return { ...outcome, id: delivery.id };
      const latencyMs = Math.max(0, outcome.at - delivery.createdAt);
      this.latency.observe(latencyMs / 1000, { protocol: sub.protocol });
      return { ...outcome, id: delivery.id, latencyMs };
    });
  }

  /**
   * One attempt for `job`, or for the group it heads (`group`: the events, oldest first); the outcome is the
   * head's.
   */
  private async attemptOne(sub: Subscription, job: DeliveryJob, group: TocsinEvent[] | undefined): Promise<Outcome> {
    const { delivery } = job;
    const event = group ? digestEvent(group) : job.event;
    const channel = this.channels.get(sub.protocol);
    const attempt = delivery.attempts + 1;
    const confirmToken = delivery.purpose === 'confirmation' ? String(event.attributes.confirmToken ?? '') : undefined;
    const result = await channel.send({
      deliveryId: delivery.id,
      purpose: delivery.purpose,
      attempt,
      event,
      spec: resolvedSpec(sub),
      subscriptionName: sub.name,
      group,
      links: {
        unsubscribe: sub.owner ? '' : this.links.unsubscribe(sub),
        confirm: confirmToken ? this.links.confirm(confirmToken) : undefined,
      },
      timeoutMs: this.options.timeoutMs,
      origin: this.options.nodeId,
    });
    const at = this.clock.now();
    const status = result.status ?? null;
    const labels = { protocol: sub.protocol };
    if (result.ok) {
      this.sent.inc({ ...labels, outcome: 'delivered' });
      return { id: delivery.id, result: 'delivered', at, status, latencyMs: at - delivery.createdAt };
    }
    const retry = (sub.spec.retry ?? {}) as { maxAttempts?: number; maxAgeSeconds?: number };
    const maxAttempts = retry.maxAttempts ?? this.options.maxAttempts;
    const maxAgeMs = retry.maxAgeSeconds !== undefined ? retry.maxAgeSeconds * 1000 : this.options.maxAgeMs;
    const next = at + retryDelay(attempt, this.options.backoff, result.retryAfterMs);
    if (!result.retryable || attempt >= maxAttempts || next - delivery.createdAt > maxAgeMs) {
      const why = !result.retryable
        ? result.error
        : `${result.error} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} ` +
          `over ${formatDuration(at - delivery.createdAt)})`;
      this.sent.inc({ ...labels, outcome: 'dead' });
      this.logger.warn('delivery dead-lettered', {
        delivery: delivery.id,
        group: group?.length,
        subscription: sub.name,
        topic: sub.topicName,
        error: why,
      });
      return { id: delivery.id, result: 'dead', at, status, error: why };
    }
    this.sent.inc({ ...labels, outcome: 'retry' });
    return { id: delivery.id, result: 'retry', at, status, error: result.error, nextAttemptAt: next };
  }
}
