/**
 * Work sharing on PostgreSQL: membership and partition leases.
 *
 * Every node writes its row in `cluster_nodes` each renew interval; a node
 * not seen for the node timeout (or marked stopped) is not live. Every
 * scheduler key belongs to one of PARTITIONS partitions (partitions.ts),
 * and each partition has one lease row in `cluster_leases`: holder, epoch,
 * expiry on the database's clock. A round, once per renew interval:
 *   1. writes this node's row and reads the nodes and the leases;
 *   2. computes, by rendezvous hashing over the live nodes, which node
 *      should hold each partition (every node computes the same answer);
 *   3. renews the leases it holds; one it held and could not renew was taken
 *      by another node (this node was paused or cut off): lost at once;
 *   4. releases, at most RELEASE_PER_ROUND a round, the partitions it holds
 *      that another live node should hold (a node joined): first parked here,
 *      then freed in the database, and the others are poked to take them, so
 *      a join moves work in small steps, not in one burst;
 *   5. takes the partitions it should hold that are free: released, expired
 *      (their holder died), or held under its own id by a previous run of
 *      this node that died. Before they count as owned, the gain hooks
 *      reload their state from the database (the previous holder's last
 *      committed writes), then the scheduler is told.
 * A round is also due right after a lease it should take expires, so a dead
 * node's keys move within the lease timeout of its last renewal.
 *
 * Rounds run on real time (a timer and the monotonic clock), not on the
 * scheduler's clock: leases are about time passing for the database and the
 * other nodes, which a paused process or a test's fake clock does not stop.
 *
 * A lease is trusted locally only until the start of its last successful
 * renewal plus the lease timeout, less a margin: a node that cannot reach
 * the database, or that was frozen, stops running keys on its own by then.
 * What it might still write is refused by the fence (fence.ts): ownership
 * here decides what runs, the fence decides what commits.
 *
 * Partition states, seen from one node:
 *   free/expired/other's ──taken (epoch+1), state reloaded──▶ owned ──renewed──▶ owned
 *   owned ──another node should hold it──▶ released ──▶ other's
 *   owned ──not renewed in time (paused, database gone)──▶ lost (locally) ──▶ other's or taken again
 *   owned ──clean stop──▶ released
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../core/logger.js';
import type { Counter, Telemetry } from '../core/telemetry.js';
import type { Database } from '../db/db-schema.js';
import type { KeyOwnership } from '../scheduler/key-ownership.js';
import type { JobCounts } from '../scheduler/scheduler.js';
import * as store from './cluster-store.js';
import type { Fence, LeaseToken } from './fence.js';
import { partitionOf, preferredNode } from './partitions.js';

/** Partitions a node gives up in one round when others should hold them (a join moves work in steps). */
export const RELEASE_PER_ROUND = 16;

export interface ClusterTimings {
  leaseTimeoutMs: number;
  nodeTimeoutMs: number;
  renewIntervalMs: number;
}

export const defaultClusterTimings: ClusterTimings = {
  leaseTimeoutMs: 10_000,
  nodeTimeoutMs: 10_000,
  renewIntervalMs: 2_000,
};

/** Partitions just taken, for the gain hooks: which keys they cover, and whether the previous holder died. */
export interface Gained {
  has(job: string, key: string): boolean;
  /** The previous holder's lease expired (it died or was cut off) rather than being released. */
  afterCrash(job: string, key: string): boolean;
  /** Taken by this process's first round: it is starting (overdue work is spread as at a start). */
  atStart: boolean;
}

export type GainHook = (gained: Gained) => Promise<void>;

export interface NodeIdentity {
  id: string;
  address: string;
  version: string;
  startedAt: number;
}

export class LeaseOwnership implements KeyOwnership, Fence {
  private readonly listeners = new Set<() => void>();
  private readonly hooks: GainHook[] = [];
  /** Partitions held, with the token of the lease (its epoch). */
  private owned = new Map<number, LeaseToken>();
  /** Local time until which the leases held are trusted. */
  private validUntil = 0;
  private firstRound = true;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  /** The round in flight, and whether another was asked for meanwhile. */
  private running?: Promise<void>;
  private again = false;
  private readonly instance = randomUUID();
  private readonly changes: Counter;
  private readonly fenced: Counter;
  private counts: () => JobCounts = () => ({});
  private lag: () => Promise<number | null> = async () => null;
  /** Tells the other nodes to run a round soon (this node released partitions). */
  pokeOthers: () => void = () => {};

  constructor(
    private readonly db: Kysely<Database>,
    private readonly node: NodeIdentity,
    private readonly timings: ClusterTimings,
    private readonly logger: Logger,
    telemetry: Telemetry,
  ) {
    this.changes = telemetry.counter(
      'tocsin_cluster_lease_changes_total',
      'Partition leases gained, lost and released by this node.',
    );
    this.fenced = telemetry.counter(
      'tocsin_cluster_fenced_writes_total',
      'Writes refused because the lease of their partition was no longer held, by domain.',
    );
    telemetry.gauge('tocsin_cluster_partitions_owned', 'Partitions whose lease this node holds.', () => [
      { value: this.owned.size },
    ]);
  }

  get nodeId(): string {
    return this.node.id;
  }

  /** What the membership row reports: the scheduler's key counts and lag. */
  report(counts: () => JobCounts, lag: () => Promise<number | null>): void {
    this.counts = counts;
    this.lag = lag;
  }

  /** Registers a hook that reloads the state of keys in partitions about to be owned. */
  onGain(hook: GainHook): void {
    this.hooks.push(hook);
  }

  owns(job: string, key: string): boolean {
    return this.token(job, key) !== null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  token(job: string, key: string): LeaseToken | null {
    if (now() > this.validUntil) return null;
    return this.owned.get(partitionOf(job, key)) ?? null;
  }

  async hold(trx: Kysely<Database>, tokens: readonly LeaseToken[]): Promise<Set<LeaseToken>> {
    if (tokens.length === 0) return new Set();
    const held = await store.holdLeases(trx, this.node.id, [...new Set(tokens.map((t) => t.partition))]);
    return new Set(tokens.filter((t) => held.get(t.partition) === t.epoch));
  }

  refused(domain: string, count: number): void {
    if (count > 0) this.fenced.inc({ domain }, count);
  }

  /** Partitions held now (for GET /api/cluster). */
  ownedPartitions(): number {
    return now() > this.validUntil ? 0 : this.owned.size;
  }

  /** Runs the first round (so that the node owns its share before work starts), then one round after another. */
  async join(): Promise<void> {
    await this.runSoon();
  }

  /** Runs a round now, or right after the one in flight; resolves when it has run. */
  async runSoon(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.running = this.round().then((next) => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        void this.runSoon();
        return;
      }
      this.timer = setTimeout(() => void this.runSoon(), Math.max(10, next - now()));
      this.timer.unref();
    });
    return this.running;
  }

  /** One round (see the top of this file); answers when the next is due (monotonic ms). */
  private async round(): Promise<number> {
    const started = now();
    try {
      return await this.runRound(started);
    } catch (err) {
      this.logger.warn('cluster round failed', { err });
      if (now() > this.validUntil) this.dropAll('its leases could not be renewed in time');
      return now() + Math.min(this.timings.renewIntervalMs, 1_000);
    }
  }

  /** At a clean stop, after the work has stopped and been written: frees every lease and says so. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.owned.clear();
    this.validUntil = 0;
    try {
      const released = await store.releaseLeases(this.db, this.node.id);
      this.changes.inc({ change: 'released' }, released.length);
      await store.markStopped(this.db, this.node.id, this.instance);
    } catch (err) {
      this.logger.warn('releasing the cluster leases failed; they expire by themselves', { err });
    }
  }

  private async runRound(started: number): Promise<number> {
    const info = JSON.stringify({ owns: ownedCounts(this.counts()), lagP99Ms: await this.lag() });
    if (this.firstRound) await store.ensureLeaseRows(this.db);
    await store.heartbeat(this.db, { ...this.node, instance: this.instance, info });
    const nodes = await store.listNodes(this.db);
    const { leases, now: dbNow } = await store.listLeases(this.db);
    const live = nodes
      .filter(
        (n) => n.id === this.node.id || (n.stoppedAt === null && dbNow - n.lastSeenAt <= this.timings.nodeTimeoutMs),
      )
      .map((n) => n.id);
    const preferred = leases.map((l) => preferredNode(live, l.partition));
    const mine = leases.filter((l) => l.nodeId === this.node.id).map((l) => l.partition);

    // 3. Renew (a first round takes over what a previous run under this id held instead).
    const renewed = this.firstRound
      ? new Map<number, number>()
      : await store.renewLeases(this.db, this.node.id, mine, this.timings.leaseTimeoutMs);
    const lost = [...this.owned.keys()].filter((p) => renewed.get(p) !== this.owned.get(p)!.epoch);
    for (const p of lost) this.owned.delete(p);
    if (lost.length) {
      this.changes.inc({ change: 'lost' }, lost.length);
      this.logger.warn('cluster partitions lost to another node', { partitions: lost.length });
    }
    // Trusted from the start of this round: the database extended the leases at or after it. If trust ran out
    // (this round waited for the database, or the process was frozen before it), keys scheduled meanwhile were
    // parked; the leases renewed were nobody else's meanwhile, so memory is still right: the scheduler looks again.
    const lapsedDuringRound = now() > this.validUntil && this.owned.size > 0;
    this.validUntil = started + this.timings.leaseTimeoutMs - this.margin();

    // 4. Release some of what others should hold, and what is held here only in the database (dropped when a
    // round was late) and should be elsewhere.
    const stray = [...renewed.keys()].filter((p) => !this.owned.has(p) && preferred[p] !== this.node.id);
    const surplus = [
      ...stray,
      ...[...this.owned.keys()].filter((p) => preferred[p] !== this.node.id).slice(0, RELEASE_PER_ROUND),
    ];
    let changed = lost.length > 0 || lapsedDuringRound;
    if (surplus.length) {
      for (const p of surplus) this.owned.delete(p);
      this.notify();
      changed = false;
      const released = await store.releaseLeases(this.db, this.node.id, surplus);
      this.changes.inc({ change: 'released' }, released.length);
      this.pokeOthers();
    }

    // 5. Take what this node should hold and is free; own again what it still holds but had dropped.
    const want = leases
      .filter(
        (l) =>
          preferred[l.partition] === this.node.id &&
          !renewed.has(l.partition) &&
          (l.nodeId === null || l.expiresAt < dbNow || (this.firstRound && l.nodeId === this.node.id)),
      )
      .map((l) => l.partition);
    const taken = await store.takeLeases(this.db, this.node.id, want, this.timings.leaseTimeoutMs, this.firstRound);
    for (const [partition, epoch] of renewed)
      if (!this.owned.has(partition) && preferred[partition] === this.node.id)
        taken.push({ partition, epoch, previous: null });
    const atStart = this.firstRound;
    this.firstRound = false;
    if (taken.length) {
      await this.gain(taken, atStart);
      changed = true;
    }
    if (changed) this.notify();
    return this.nextRound(started, leases, preferred, dbNow);
  }

  /** Reloads the state of what was taken, then owns it; if the reload fails the leases are given back. */
  private async gain(taken: store.Taken[], atStart: boolean): Promise<void> {
    const byPartition = new Map(taken.map((t) => [t.partition, t]));
    const gained: Gained = {
      has: (job, key) => byPartition.has(partitionOf(job, key)),
      afterCrash: (job, key) => {
        const t = byPartition.get(partitionOf(job, key));
        return t !== undefined && t.previous !== null;
      },
      atStart,
    };
    try {
      for (const hook of this.hooks) await hook(gained);
    } catch (err) {
      this.logger.warn('loading the state of partitions taken over failed; giving them back', { err });
      await store.releaseLeases(
        this.db,
        this.node.id,
        taken.map((t) => t.partition),
      );
      return;
    }
    for (const t of taken) this.owned.set(t.partition, { partition: t.partition, epoch: t.epoch });
    this.changes.inc({ change: 'gained' }, taken.length);
    const crashed = taken.filter((t) => t.previous !== null && t.previous !== this.node.id).length;
    // At a start (before the server listens) as quiet as a single node was; later, each move is worth a line.
    const fields = { partitions: taken.length, fromDeadNodes: crashed };
    if (atStart) this.logger.debug('cluster partitions taken', fields);
    else this.logger.info('cluster partitions taken', fields);
  }

  /** The next round: one renew interval on, or just after a lease this node should take expires. */
  private nextRound(started: number, leases: store.LeaseRow[], preferred: (string | undefined)[], dbNow: number) {
    let next = started + this.timings.renewIntervalMs;
    for (const l of leases) {
      if (preferred[l.partition] !== this.node.id || l.nodeId === null || l.nodeId === this.node.id) continue;
      if (l.expiresAt >= dbNow) next = Math.min(next, started + (l.expiresAt - dbNow) + 20);
    }
    return Math.max(next, now() + 10);
  }

  /**
   * How long before the lease's end, counted from the start of the round that renewed it, this node stops
   * trusting it. The database extended it from a later moment, so trusting it to the end would be safe (the
   * fence refuses what commits after a take-over); the margin only spares work that would be refused.
   */
  private margin(): number {
    return Math.min(this.timings.renewIntervalMs / 4, this.timings.leaseTimeoutMs / 20);
  }

  private dropAll(why: string): void {
    if (this.owned.size === 0) return;
    this.logger.warn('cluster partitions dropped', { partitions: this.owned.size, why });
    this.changes.inc({ change: 'lost' }, this.owned.size);
    this.owned.clear();
    this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}

/** Monotonic milliseconds: a lease's trust runs on real time. */
const now = () => performance.now();

/** The membership row's summary of what a node runs: owned keys per job. */
export function ownedCounts(counts: JobCounts): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([job, c]) => [job, c.owned]));
}
