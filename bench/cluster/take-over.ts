/**
 * The take-over phase: kill -9 one node of a running cluster whose monitors are all being checked, then measure
 *   (a) until the survivors own every partition (each survivor's own entry of GET /api/cluster, polled every
 *       100 ms, adding up to all of them), and until a survivor no longer counts the victim alive;
 *   (b) until every monitor the victim held (its partitions' monitors, read from the database just before the
 *       kill) has been checked again, from the target's per-path hit log; the same for the survivors' own
 *       monitors, and the target's hits a second in each interval after the kill (take-over-analysis.ts).
 * BENCH_CLUSTER_DUMP=<file> writes the hit log there, with the kill time and the victim's monitors.
 * States: armed (log marked) → killed → waiting (pollers) → reported (after one more interval, or the deadline).
 */
import { writeFileSync } from 'node:fs';
import { metric } from '../checks/prom-text.js';
import { api, type ClusterView, clusterView, selfEntry } from './cluster-api.js';
import { type BenchNode, killNode } from './cluster-nodes.js';
import type { HitTarget } from './hit-target.js';
import { analyseHits, type HitFigures } from './take-over-analysis.js';
import { monitorsHeldBy } from './victim-monitors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TakeOverFigures extends HitFigures {
  victimId: string;
  victimPartitions: number | null;
  deadSeenSeconds: number | null;
  partitionsSeconds: number | null;
  leaseGained: number;
  fencedWrites: number;
}

export interface TakeOverSettings {
  interval: number;
  leaseTimeoutMs: number;
  monitors: number;
  /** The phase's schema, to read which monitors the victim holds. */
  databaseUrl: string;
}

async function pollPartitions(survivors: BenchNode[], victim: string, killAt: number, deadline: number) {
  let partitionsAt: number | null = null;
  let deadAt: number | null = null;
  while (Date.now() < deadline && (partitionsAt === null || deadAt === null)) {
    const started = Date.now();
    const vs = await Promise.all(survivors.map((n) => clusterView(n.server.base, 2000).catch(() => null)));
    const now = Date.now();
    if (vs.every((v) => v)) {
      const owned = vs.reduce((sum, v) => sum + (selfEntry(v!)?.partitions ?? 0), 0);
      if (partitionsAt === null && owned === vs[0]!.partitions) partitionsAt = now;
      // Dead, or no longer listed: either way a survivor no longer counts it alive.
      const gone = (v: ClusterView) => !v.nodes.some((x) => x.id === victim && x.state === 'alive');
      if (deadAt === null && vs.some((v) => gone(v!))) deadAt = now;
    }
    await sleep(Math.max(0, 100 - (now - started)));
  }
  return {
    partitionsSeconds: partitionsAt === null ? null : (partitionsAt - killAt) / 1000,
    deadSeenSeconds: deadAt === null ? null : (deadAt - killAt) / 1000,
  };
}

async function pollChecked(target: HitTarget, killAt: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if ((await target.notHitSince(killAt)) === 0) return;
    await sleep(500);
  }
}

/** Kills `victim`; `survivors` are the others. Leaves the survivors running. */
export async function takeOver(
  victim: BenchNode,
  survivors: BenchNode[],
  target: HitTarget,
  s: TakeOverSettings,
): Promise<TakeOverFigures> {
  const own = await clusterView(victim.server.base).catch(() => null);
  const victimMonitors = await monitorsHeldBy(s.databaseUrl, victim.id).catch((err: unknown) => {
    console.log(`could not read the victim's monitors: ${(err as Error).message}`);
    return null;
  });
  const scrape = () => Promise.all(survivors.map((n) => api(n.server.base, 'GET', '/metrics')));
  const m0 = await scrape();
  await target.mark();
  const killAt = Date.now();
  await killNode(victim);
  // Generous: three times the bound (interval + lease timeout), and half a minute.
  const deadline = killAt + 3 * (s.interval * 1000 + s.leaseTimeoutMs) + 30_000;
  const [owned] = await Promise.all([
    pollPartitions(survivors, victim.id, killAt, deadline),
    pollChecked(target, killAt, deadline),
  ]);
  // One more interval after both, for the rate once the survivors hold everything.
  const endAt = Math.min(deadline, Date.now() + s.interval * 1000 + 1000);
  await sleep(Math.max(0, endAt - Date.now()));
  const m1 = await scrape();
  const report = await target.report();
  // For a closer look at one run: the whole hit log, the kill time and the interval.
  const dump = process.env.BENCH_CLUSTER_DUMP;
  if (dump) {
    const victimList = victimMonitors ? [...victimMonitors] : null;
    writeFileSync(dump, JSON.stringify({ killAt, endAt, interval: s.interval, victimMonitors: victimList, ...report }));
  }
  const delta = (name: string, ...labels: string[]) =>
    m1.reduce((sum, t, i) => sum + metric(t, name, ...labels) - metric(m0[i]!, name, ...labels), 0);
  const hits = analyseHits(report, {
    killAt,
    endAt,
    interval: s.interval,
    monitors: s.monitors,
    victimMonitors,
    partitionsSeconds: owned.partitionsSeconds,
  });
  return {
    victimId: victim.id,
    victimPartitions: own ? (selfEntry(own)?.partitions ?? null) : null,
    ...owned,
    ...hits,
    leaseGained: delta('tocsin_cluster_lease_changes_total', 'change="gained"'),
    fencedWrites: delta('tocsin_cluster_fenced_writes_total'),
  };
}
