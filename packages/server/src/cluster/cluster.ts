/**
 * What the rest of Tocsin sees of clustering: which keys this node runs
 * (ownership, for the scheduler), the fence writers go through, the bus that
 * tells other nodes of a change, and hooks that reload state when keys are
 * taken over. On SQLite everything is one node's: the lock in db/node-lock.ts
 * keeps a second server off the data dir. On PostgreSQL a node is always a
 * member of a cluster, possibly of one (lease-ownership.ts).
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import { version } from '../core/version.js';
import type { Db } from '../db/database.js';
import { singleNodeOwnership, type KeyOwnership } from '../scheduler/key-ownership.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { localChangeBus, PostgresChangeBus, type ChangeBus } from './change-bus.js';
import * as store from './cluster-store.js';
import { singleNodeFence, type Fence } from './fence.js';
import { LeaseOwnership, ownedCounts, type ClusterTimings, type GainHook } from './lease-ownership.js';
import { PARTITIONS } from './partitions.js';

/** Nodes gone this long are no longer listed. */
const FORGET_NODES_MS = 24 * 3600_000;

export interface NodeStatus {
  id: string;
  address: string;
  version: string;
  startedAt: string;
  lastSeenAt: string;
  state: 'alive' | 'dead' | 'stopped';
  self: boolean;
  partitions: number;
  owns: Record<string, number>;
  lagP99Ms: number | null;
}

export interface ClusterStatus {
  mode: 'single' | 'cluster';
  self: string;
  partitions: number;
  leaseTimeoutMs: number;
  nodeTimeoutMs: number;
  renewIntervalMs: number;
  nodes: NodeStatus[];
}

export interface Cluster {
  mode: 'single' | 'cluster';
  ownership: KeyOwnership;
  fence: Fence;
  changes: ChangeBus;
  /** Registers a reload of state for keys about to be taken over (their last writer was another node). */
  onGain(hook: GainHook): void;
  /** Tells what the scheduler runs (for the membership row and GET /api/cluster). */
  attach(scheduler: Scheduler): void;
  /**
   * Once every module has loaded: takes this node's share of the work (the first round, awaited, so that the
   * keys it owns run from the start) and connects the change listener.
   */
  join(): Promise<void>;
  /** After the work stopped and was written: frees the leases (at a clean stop). */
  stop(): Promise<void>;
  status(): Promise<ClusterStatus>;
}

export interface ClusterOptions {
  nodeId: string;
  databaseUrl: string;
  /** PostgreSQL only: the schema (tests). */
  schema?: string;
  /** What other nodes and operators are shown as this node's address (read at start: the server listens then). */
  address: () => string;
  timings: ClusterTimings;
  clock: Clock;
  logger: Logger;
  telemetry: Telemetry;
}

export function createCluster(handle: Db, o: ClusterOptions): Cluster {
  return handle.dialect === 'postgres' ? postgresCluster(handle, o) : singleCluster(o);
}

function singleCluster(o: ClusterOptions): Cluster {
  let scheduler: Scheduler | undefined;
  const startedAt = o.clock.now();
  return {
    mode: 'single',
    ownership: singleNodeOwnership,
    fence: singleNodeFence,
    changes: localChangeBus,
    onGain: () => {},
    attach: (s) => {
      scheduler = s;
    },
    join: async () => {},
    stop: async () => {},
    async status() {
      const now = new Date(o.clock.now()).toISOString();
      return {
        mode: 'single',
        self: o.nodeId,
        partitions: 1,
        ...o.timings,
        nodes: [
          {
            id: o.nodeId,
            address: o.address(),
            version,
            startedAt: new Date(startedAt).toISOString(),
            lastSeenAt: now,
            state: 'alive',
            self: true,
            partitions: 1,
            owns: ownedCounts(scheduler?.counts() ?? {}),
            lagP99Ms: (await scheduler?.lagP99Ms()) ?? null,
          },
        ],
      };
    },
  };
}

function postgresCluster(handle: Db, o: ClusterOptions): Cluster {
  const logger = o.logger.child({ component: 'cluster' });
  const identity = {
    id: o.nodeId,
    get address() {
      return o.address();
    },
    version,
    startedAt: o.clock.now(),
  };
  const leases = new LeaseOwnership(handle.db, identity, o.timings, logger, o.telemetry);
  const changes = new PostgresChangeBus(o.databaseUrl, o.nodeId, logger, o.schema);
  const roundSoon = () => void leases.runSoon();
  leases.pokeOthers = () => void changes.publish(handle.db, 'cluster', []).catch(() => {});
  changes.on('cluster', { changed: roundSoon, resync: roundSoon });
  return {
    mode: 'cluster',
    ownership: leases,
    fence: leases,
    changes,
    onGain: (hook) => leases.onGain(hook),
    attach(s) {
      leases.report(
        () => s.counts(),
        () => s.lagP99Ms(),
      );
    },
    async join() {
      await leases.join();
      await changes.start();
    },
    async stop() {
      await leases.stop();
      await changes.publish(handle.db, 'cluster', []).catch(() => {});
      await changes.close();
    },
    async status() {
      const [nodes, { leases: rows, now }] = await Promise.all([
        store.listNodes(handle.db),
        store.listLeases(handle.db),
        store.pruneNodes(handle.db, FORGET_NODES_MS),
      ]).then(([n, l]) => [n, l] as const);
      const held = new Map<string, number>();
      for (const l of rows)
        if (l.nodeId !== null && l.expiresAt >= now) held.set(l.nodeId, (held.get(l.nodeId) ?? 0) + 1);
      return {
        mode: 'cluster',
        self: o.nodeId,
        partitions: PARTITIONS,
        ...o.timings,
        nodes: nodes.map((n) => {
          const info = parseInfo(n.info);
          const state =
            n.stoppedAt !== null ? 'stopped' : now - n.lastSeenAt > o.timings.nodeTimeoutMs ? 'dead' : 'alive';
          return {
            id: n.id,
            address: n.address,
            version: n.version,
            startedAt: new Date(n.startedAt).toISOString(),
            lastSeenAt: new Date(n.lastSeenAt).toISOString(),
            state,
            self: n.id === o.nodeId,
            partitions: held.get(n.id) ?? 0,
            owns: state === 'alive' ? info.owns : {},
            lagP99Ms: state === 'alive' ? info.lagP99Ms : null,
          };
        }),
      };
    },
  };
}

function parseInfo(text: string): { owns: Record<string, number>; lagP99Ms: number | null } {
  try {
    const v = JSON.parse(text) as { owns?: Record<string, number>; lagP99Ms?: number | null };
    return { owns: v.owns ?? {}, lagP99Ms: v.lagP99Ms ?? null };
  } catch {
    return { owns: {}, lagP99Ms: null };
  }
}
