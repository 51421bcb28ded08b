/**
 * The take-over phase: kill -9 one node of a running cluster whose monitors are all being checked, then measure
 *   (a) until the survivors own every partition (each survivor's own entry of GET /api/cluster, polled every
 *       100 ms, adding up to all of them), and until a survivor shows the victim dead;
 *   (b) until every monitor has been checked again since the kill, from the target's per-path hit log; with the
 *       longest gap between two checks of one monitor across the kill, the monitors that missed their slot (a gap
 *       over 1.25 intervals) and when the last of them was checked, monitors checked again within half an interval
 *       (a check too many), and the target's hits a second in each interval after the kill.
 * BENCH_CLUSTER_DUMP=<file> writes the hit log there, with the kill time, for a closer look.
 * States: armed (log marked) → killed → waiting (pollers) → reported (after one more interval, or the deadline).
 */
import { writeFileSync } from 'node:fs';
import { metric } from '../checks/prom-text.js';
import { api, type ClusterView, clusterView, selfEntry } from './cluster-api.js';
import { type BenchNode, killNode } from './cluster-nodes.js';
import type { HitReport, HitTarget } from './hit-target.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TakeOverFigures {
  victim: string;
  victimPartitions: number | null;
  deadSeenSeconds: number | null;
  partitionsSeconds: number | null;
  allCheckedSeconds: number | null;
  notCheckedAtEnd: number;
  missedSlot: number;
  missedBackSeconds: number | null;
  maxGapSeconds: number;
  checkedTooSoon: number;
  ratesAfter: number[];
  rateAfterPartitions: number | null;
  leaseGained: number;
  fencedWrites: number;
}

export interface TakeOverSettings {
  interval: number;
  leaseTimeoutMs: number;
  monitors: number;
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

/** Everything (b) needs, from the hit log. */
function analyse(r: HitReport, killAt: number, endAt: number, s: TakeOverSettings, partitionsSeconds: number | null) {
  const I = s.interval * 1000;
  const prev = Float64Array.from(r.lastBefore);
  const first = new Float64Array(prev.length);
  const gap = new Float64Array(prev.length);
  const tooSoon = new Uint8Array(prev.length);
  const windows = Math.floor((endAt - killAt) / I);
  const perWindow = new Array<number>(windows).fill(0);
  let afterPartitions = 0;
  for (let k = 0; k < r.log.length; k += 2) {
    const i = r.log[k]!;
    const t = r.log[k + 1]!;
    if (t >= killAt) {
      const w = Math.floor((t - killAt) / I);
      if (w < windows) perWindow[w]!++;
      const since = partitionsSeconds === null ? Infinity : t - killAt - partitionsSeconds * 1000;
      if (since >= 0 && since < I) afterPartitions++;
      if (first[i] === 0) {
        first[i] = t;
        gap[i] = prev[i] ? t - prev[i]! : 0;
      }
    }
    if (prev[i] && t - prev[i]! < I / 2) tooSoon[i] = 1;
    prev[i] = t;
  }
  let latest = 0;
  let notChecked = 0;
  let missed = 0;
  let missedLatest = 0;
  let maxGap = 0;
  let soon = 0;
  for (let i = 1; i <= s.monitors; i++) {
    if (first[i] === 0) notChecked++;
    latest = Math.max(latest, first[i]!);
    maxGap = Math.max(maxGap, gap[i]!);
    if (gap[i]! > 1.25 * I) {
      missed++;
      missedLatest = Math.max(missedLatest, first[i]!);
    }
    soon += tooSoon[i]!;
  }
  const afterEnd = partitionsSeconds !== null && killAt + partitionsSeconds * 1000 + I <= endAt;
  return {
    allCheckedSeconds: notChecked ? null : (latest - killAt) / 1000,
    notCheckedAtEnd: notChecked,
    missedSlot: missed,
    missedBackSeconds: missed ? (missedLatest - killAt) / 1000 : null,
    maxGapSeconds: maxGap / 1000,
    checkedTooSoon: soon,
    ratesAfter: perWindow.map((c) => c / s.interval),
    rateAfterPartitions: afterEnd ? afterPartitions / s.interval : null,
  };
}

/** Kills `victim`; `survivors` are the others. Leaves the survivors running. */
export async function takeOver(
  victim: BenchNode,
  survivors: BenchNode[],
  target: HitTarget,
  s: TakeOverSettings,
): Promise<TakeOverFigures> {
  const own = await clusterView(victim.server.base).catch(() => null);
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
  if (dump) writeFileSync(dump, JSON.stringify({ killAt, endAt, interval: s.interval, ...report }));
  const delta = (name: string, ...labels: string[]) =>
    m1.reduce((sum, t, i) => sum + metric(t, name, ...labels) - metric(m0[i]!, name, ...labels), 0);
  return {
    victim: victim.id,
    victimPartitions: own ? (selfEntry(own)?.partitions ?? null) : null,
    ...owned,
    ...analyse(report, killAt, endAt, s, owned.partitionsSeconds),
    leaseGained: delta('tocsin_cluster_lease_changes_total', 'change="gained"'),
    fencedWrites: delta('tocsin_cluster_fenced_writes_total'),
  };
}
