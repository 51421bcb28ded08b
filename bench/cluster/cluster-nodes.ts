/**
 * The nodes of one phase: `tocsin start` processes from the build on one PostgreSQL schema, each with its node id,
 * data dir and port, registered with bench-processes.ts so that nothing outlives the bench. Also the wait until
 * their partitions have settled (a joining node receives its share gradually).
 *
 * States of a node: starting → running → stopped (SIGTERM, SIGKILL after a grace) or killed (SIGKILL by the
 * take-over phase); its data dir goes with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type ServerProcess } from '../checks/server-process.js';
import { forgetPid, registerPid } from './bench-processes.js';
import { type ClusterView, clusterView, selfEntry, TOKEN } from './cluster-api.js';

export interface BenchNode {
  id: string;
  server: ServerProcess;
  dir: string;
}

export interface NodeSettings {
  databaseUrl: string;
  leaseTimeout: string;
  /** At most a third of the lease timeout; unset leaves the server's default. */
  renewInterval?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const live = new Set<BenchNode>();

/** Starts `count` nodes one after another (ids `bench-<phase>-<n>`, n from `first`). */
export async function startNodes(
  root: string,
  phase: string,
  count: number,
  s: NodeSettings,
  first = 1,
): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  for (let i = first; i < first + count; i++) {
    const id = `bench-${phase}-${i}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), `tocsin-bench-cluster-${id}-`));
    const env: Record<string, string> = {
      TOCSIN_DATABASE_URL: s.databaseUrl,
      TOCSIN_NODE_ID: id,
      TOCSIN_CLUSTER_LEASE_TIMEOUT: s.leaseTimeout,
      // Errors only: at a stop, warnings can come by the thousand (one per change notice still queued).
      TOCSIN_LOG_LEVEL: process.env.BENCH_CLUSTER_LOG_LEVEL ?? 'error',
    };
    if (s.renewInterval) env.TOCSIN_CLUSTER_RENEW_INTERVAL = s.renewInterval;
    try {
      const server = await startServer(root, dir, TOKEN, env);
      registerPid(server.pid);
      const node = { id, server, dir };
      live.add(node);
      nodes.push(node);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`node ${id}: ${(err as Error).message}`);
    }
  }
  return nodes;
}

/** SIGTERM; SIGKILL after `graceMs`. Says how it ended. */
export async function stopNode(node: BenchNode, graceMs = 30_000): Promise<string> {
  if (!live.has(node)) return 'already stopped';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), graceMs);
  });
  const stopping = node.server.stop();
  const how = await Promise.race([stopping, late]);
  clearTimeout(timer);
  let text: string;
  if (how === 'late') {
    process.kill(node.server.pid, 'SIGKILL');
    await stopping;
    text = `SIGKILL after ${(graceMs / 1000).toFixed(0)} s`;
  } else {
    text = how.killed ? `SIGKILL after ${how.seconds.toFixed(0)} s` : `exit ${how.code} in ${how.seconds.toFixed(1)} s`;
  }
  forget(node);
  return text;
}

/** kill -9, now; resolves when it has exited. */
export async function killNode(node: BenchNode): Promise<void> {
  process.kill(node.server.pid, 'SIGKILL');
  await node.server.stop();
  forget(node);
}

function forget(node: BenchNode): void {
  live.delete(node);
  forgetPid(node.server.pid);
  rmSync(node.dir, { recursive: true, force: true });
}

/** Stops every node still running, all at once (the end of a phase, SIGINT). */
export async function stopAllNodes(graceMs = 30_000): Promise<void> {
  await Promise.all([...live].map((n) => stopNode(n, graceMs)));
}

export function assertRunning(nodes: BenchNode[]): void {
  for (const n of nodes) {
    const code = n.server.exitCode();
    if (code !== null) throw new Error(`node ${n.id} exited (${code}) during the run`);
  }
}

/** Every node's own view; null when the build has no cluster API. */
export async function views(nodes: BenchNode[]): Promise<(ClusterView | null)[]> {
  return Promise.all(nodes.map((n) => clusterView(n.server.base)));
}

/**
 * Waits until every node sees all the others alive, their own partitions add up to all of them, and that has not
 * changed for `stableMs`; gives up after `deadlineMs`. Returns the seconds it took (null without a cluster API),
 * and whether it settled.
 */
export async function waitSettled(
  nodes: BenchNode[],
  stableMs = 5000,
  deadlineMs = 180_000,
): Promise<{ seconds: number | null; settled: boolean; owned: number[] }> {
  const t0 = performance.now();
  let last = '';
  let since = t0;
  let owned: number[] = [];
  while (performance.now() - t0 < deadlineMs) {
    assertRunning(nodes);
    const vs = await views(nodes);
    if (vs.some((v) => v === null)) return { seconds: null, settled: false, owned: [] };
    owned = vs.map((v) => selfEntry(v!)?.partitions ?? 0);
    const total = vs[0]!.partitions;
    const allAlive = vs.every((v) => nodes.every((n) => v!.nodes.some((x) => x.id === n.id && x.state === 'alive')));
    const key = owned.join(',');
    const ok = allAlive && owned.every((o) => o > 0) && owned.reduce((a, b) => a + b, 0) === total;
    if (!ok || key !== last) {
      last = ok ? key : '';
      since = performance.now();
    } else if (performance.now() - since >= stableMs) {
      return { seconds: (since - t0) / 1000, settled: true, owned };
    }
    await sleep(250);
  }
  return { seconds: (performance.now() - t0) / 1000, settled: false, owned };
}
