/**
 * How the cluster bench prints what it measured: a table of nodes a phase (per node and total), the cost per
 * monitor of each node of the cluster as a ratio to the single node's, the take-over figures next to their bound,
 * and the final JSON summary.
 */
import type { WindowFigures } from './measure-window.js';
import type { TakeOverFigures } from './take-over.js';
import type { GroupFigures } from './take-over-analysis.js';

export interface Bounds {
  interval: number;
  leaseTimeoutMs: number;
  nodeTimeoutMs: number;
  renewIntervalMs: number;
  /** Where the three timings come from: the cluster API, or the settings the bench passed (and the defaults). */
  from: string;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
const ms = (seconds: number) => (seconds * 1000).toFixed(1);
const pct = (share: number) => (100 * share).toFixed(1);
const pad = (cells: string[], widths: number[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
const round = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? x : Number(x.toFixed(digits)));
/** A core's share per 1,000 monitors, in percent: the cost per monitor in a unit a person reads. */
const per1k = (costPerMonitor: number) => 100 * 1000 * costPerMonitor;

/** The whole cluster as one: sums over the nodes (the lag: the worst node's). */
export function totals(w: WindowFigures) {
  const sum = (f: (n: WindowFigures['nodes'][number]) => number) => w.nodes.reduce((a, n) => a + f(n), 0);
  const cpu = sum((n) => n.cpu);
  const monitors = sum((n) => n.monitorsChecked);
  return {
    checksPerSecond: sum((n) => n.checksPerSecond),
    cpu,
    monitorsChecked: monitors,
    costPerMonitor: monitors ? cpu / monitors : NaN,
    rssMax: sum((n) => n.rssMax),
    lagP99: Math.max(...w.nodes.map((n) => n.lagP99)),
    partitions: w.nodes.every((n) => n.partitions !== null) ? sum((n) => n.partitions!) : null,
  };
}

export function printNodes(title: string, w: WindowFigures, expected: number, baseline?: number): void {
  const head = [
    'node',
    'partitions',
    'owns checks',
    'checks/s',
    'monitors',
    'down %',
    'cpu % core',
    '% core/1k mon',
    'cost ratio',
    'lag p50 ms',
    'lag p99 ms',
    'hist p99 ≤ s',
    'rss max MB',
  ];
  const widths = head.map((h, i) => (i === 0 ? 16 : Math.max(h.length, 8)));
  const ratio = (c: number) => (baseline ? (c / baseline).toFixed(2) : '-');
  const tot = totals(w);
  console.log(`\n${title} (window ${w.seconds.toFixed(1)} s; expected ${expected.toFixed(0)} checks/s in all)`);
  console.log(pad(head, widths));
  for (const n of w.nodes) {
    const row = [
      n.id,
      String(n.partitions ?? '-'),
      String(n.ownsMonitorCheck ?? '-'),
      n.checksPerSecond.toFixed(1),
      n.monitorsChecked.toFixed(0),
      pct(n.downShare),
      pct(n.cpu),
      per1k(n.costPerMonitor).toFixed(2),
      ratio(n.costPerMonitor),
      ms(n.lagP50),
      ms(n.lagP99),
      String(n.histP99),
      mb(n.rssMax),
    ];
    console.log(pad(row, widths));
  }
  if (w.nodes.length > 1) {
    const row = [
      'total',
      String(tot.partitions ?? '-'),
      '',
      tot.checksPerSecond.toFixed(1),
      tot.monitorsChecked.toFixed(0),
      '',
      pct(tot.cpu),
      per1k(tot.costPerMonitor).toFixed(2),
      ratio(tot.costPerMonitor),
      '',
      ms(tot.lagP99),
      '',
      mb(tot.rssMax),
    ];
    console.log(pad(row, widths));
  }
  const pg = w.postgresCpu === null ? 'not readable here' : `${pct(w.postgresCpu)} % of a core`;
  console.log(`target ${pct(w.targetCpu)} % of a core; PostgreSQL (every client of the server) ${pg}`);
}

export function printCostRatios(w: WindowFigures, baseline: number): void {
  console.log("\ncost per monitor of each node ÷ the single node's (target: within 20 %, so 0.80 to 1.20):");
  for (const n of w.nodes) {
    const r = n.costPerMonitor / baseline;
    const word = !Number.isFinite(r) ? 'no checks' : Math.abs(r - 1) <= 0.2 ? 'within 20 %' : 'OUTSIDE 20 %';
    console.log(`  ${n.id.padEnd(16)} ${r.toFixed(2)}   ${word}`);
  }
}

function printGroup(what: string, g: GroupFigures, bound: number): void {
  const s = (x: number | null) => (x === null ? 'never, within the wait' : `${x.toFixed(1)} s`);
  const never = g.notChecked ? ` (${g.notChecked} never were)` : '';
  console.log(`  ${what}: ${g.monitors}`);
  console.log(
    `      all checked again after ${s(g.allCheckedSeconds)}${never}, half of them after ${s(g.medianFirstSeconds)}`,
  );
  console.log(
    `      longest gap between two checks of one: ${g.longestGapSeconds.toFixed(1)} s (bound ${bound.toFixed(1)} s); ` +
      `${g.missedSlot} missed their slot (a gap over 1.25 intervals); ` +
      `${g.checkedTooSoon} checked twice within half an interval`,
  );
}

export function printTakeOver(t: TakeOverFigures, b: Bounds, monitors: number): void {
  const s = (x: number | null) => (x === null ? 'never, within the wait' : `${x.toFixed(1)} s`);
  const bound = b.interval + b.leaseTimeoutMs / 1000;
  const full = b.interval + Math.max(b.leaseTimeoutMs, b.nodeTimeoutMs) / 1000 + b.renewIntervalMs / 1000;
  console.log(`\ntake-over: kill -9 ${t.victimId} (it owned ${t.victimPartitions ?? '?'} partitions)`);
  console.log(
    `  bound: interval + lease timeout = ${bound.toFixed(1)} s; at worst interval + max(lease, node timeout) + ` +
      `renew = ${full.toFixed(1)} s (timings from ${b.from})`,
  );
  console.log(`  a survivor no longer counts it alive after ${s(t.deadSeenSeconds)}`);
  console.log(`  (a) the survivors own all partitions after ${s(t.partitionsSeconds)}`);
  if (t.victim) printGroup("(b) the killed node's monitors", t.victim, bound);
  printGroup(
    t.victim ? "    the survivors' own monitors" : "(b) monitors (the victim's not told apart)",
    t.others,
    bound,
  );
  console.log(
    `  target hits/s in each ${b.interval} s after the kill: ${t.ratesAfter.map((r) => r.toFixed(0)).join(', ')}` +
      ` (all ${monitors} monitors: ${(monitors / b.interval).toFixed(0)}/s); in the ${b.interval} s after (a): ` +
      `${t.rateAfterPartitions === null ? '-' : t.rateAfterPartitions.toFixed(0)}`,
  );
  console.log(`  survivors: ${t.leaseGained} leases gained, ${t.fencedWrites} fenced writes`);
}

const groupSummary = (g: GroupFigures) => ({
  monitors: g.monitors,
  allCheckedAgainSeconds: round(g.allCheckedSeconds, 1),
  halfCheckedAgainSeconds: round(g.medianFirstSeconds, 1),
  neverCheckedAgain: g.notChecked,
  longestGapSeconds: round(g.longestGapSeconds, 1),
  missedTheirSlot: g.missedSlot,
  checkedTwiceWithinHalfAnInterval: g.checkedTooSoon,
});

/** The last block: every figure of the run as one JSON object. */
export function summary(parts: {
  settings: Record<string, unknown>;
  single?: WindowFigures;
  cluster?: WindowFigures;
  takeOver?: TakeOverFigures;
  bounds?: Bounds;
  warnings: string[];
  errors: string[];
}): string {
  const node = (n: WindowFigures['nodes'][number], base?: number) => ({
    id: n.id,
    partitions: n.partitions,
    ownsMonitorCheck: n.ownsMonitorCheck,
    checksPerSecond: round(n.checksPerSecond, 1),
    monitorsChecked: round(n.monitorsChecked, 0),
    cpuShareOfCore: round(n.cpu, 3),
    corePercentPer1kMonitors: round(per1k(n.costPerMonitor)),
    costRatioToSingle: base ? round(n.costPerMonitor / base) : null,
    lagP99Ms: round(n.lagP99 * 1000, 1),
    rssMaxMB: round(n.rssMax / 1e6, 0),
  });
  const base = parts.single?.nodes[0]?.costPerMonitor;
  const window = (w: WindowFigures) => ({
    windowSeconds: round(w.seconds, 1),
    targetCpuShare: round(w.targetCpu, 3),
    postgresCpuShare: round(w.postgresCpu, 3),
  });
  const t = parts.takeOver;
  const b = parts.bounds;
  const out = {
    ...parts.settings,
    single: parts.single ? { ...window(parts.single), ...node(parts.single.nodes[0]!) } : null,
    cluster: parts.cluster
      ? {
          ...window(parts.cluster),
          nodes: parts.cluster.nodes.map((n) => node(n, base)),
          total: (() => {
            const tot = totals(parts.cluster);
            return {
              checksPerSecond: round(tot.checksPerSecond, 1),
              cpuShareOfCore: round(tot.cpu, 3),
              corePercentPer1kMonitors: round(per1k(tot.costPerMonitor)),
              costRatioToSingle: base ? round(tot.costPerMonitor / base) : null,
              partitions: tot.partitions,
            };
          })(),
        }
      : null,
    takeOver:
      t && b
        ? {
            victim: t.victimId,
            deadSeenSeconds: round(t.deadSeenSeconds, 1),
            allPartitionsOwnedSeconds: round(t.partitionsSeconds, 1),
            victimMonitors: t.victim ? groupSummary(t.victim) : null,
            survivorMonitors: groupSummary(t.others),
            hitsPerSecondEachInterval: t.ratesAfter.map((r) => round(r, 0)),
            boundIntervalPlusLeaseSeconds: b.interval + b.leaseTimeoutMs / 1000,
          }
        : null,
    warnings: parts.warnings,
    errors: parts.errors,
  };
  return JSON.stringify(out, null, 2);
}
