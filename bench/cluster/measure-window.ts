/**
 * One measured window over the running nodes of a phase: for each node, checks a second (delta of
 * tocsin_checks_total), its CPU share of one core (/proc), the scheduler's recent p99 lag
 * (tocsin_scheduler_lag_recent_seconds at the end of the window) and the monitor-check histogram's p99 bucket over
 * the window, RSS (every 5 s: max and last), and its partitions as GET /api/cluster shows them; beside them the
 * target's and PostgreSQL's CPU share over the same window.
 */
import { cpuSeconds, rssBytes } from '../checks/proc-stats.js';
import { histogramQuantile, metric } from '../checks/prom-text.js';
import { api, selfEntry } from './cluster-api.js';
import { assertRunning, type BenchNode, views } from './cluster-nodes.js';
import { postgresCpuSeconds } from './postgres-cpu.js';

const RSS_EVERY_MS = 5000;
const CHECK_JOB = 'job="monitor-check"';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeFigures {
  id: string;
  checksPerSecond: number;
  downShare: number;
  /** Monitors this node checks: checks a second × the interval. */
  monitorsChecked: number;
  /** Share of one core. */
  cpu: number;
  /** cpu / monitorsChecked. */
  costPerMonitor: number;
  lagP50: number;
  lagP99: number;
  histP99: number;
  rssMax: number;
  rssLast: number;
  scheduledChecks: number;
  /** From the node's own entry of GET /api/cluster at the end of the window (null without that API). */
  partitions: number | null;
  ownsMonitorCheck: number | null;
}

export interface WindowFigures {
  seconds: number;
  nodes: NodeFigures[];
  targetCpu: number;
  /** Null when PostgreSQL's processes are not readable here. */
  postgresCpu: number | null;
}

async function scrape(nodes: BenchNode[]): Promise<string[]> {
  return Promise.all(nodes.map((n) => api(n.server.base, 'GET', '/metrics')));
}

export async function measureWindow(
  nodes: BenchNode[],
  seconds: number,
  interval: number,
  targetPid: number,
): Promise<WindowFigures> {
  const m0 = await scrape(nodes);
  const cpu0 = nodes.map((n) => cpuSeconds(n.server.pid));
  const tcpu0 = cpuSeconds(targetPid);
  const pg0 = postgresCpuSeconds();
  const t0 = performance.now();
  const rssMax = nodes.map(() => 0);
  const rssLast = nodes.map(() => 0);
  const end = t0 + seconds * 1000;
  for (;;) {
    assertRunning(nodes);
    nodes.forEach((n, i) => {
      rssLast[i] = rssBytes(n.server.pid);
      rssMax[i] = Math.max(rssMax[i]!, rssLast[i]!);
    });
    const left = end - performance.now();
    if (left <= 0) break;
    await sleep(Math.min(RSS_EVERY_MS, left));
  }
  const m1 = await scrape(nodes);
  const cpu1 = nodes.map((n) => cpuSeconds(n.server.pid));
  const tcpu1 = cpuSeconds(targetPid);
  const pg1 = postgresCpuSeconds();
  const windowSeconds = (performance.now() - t0) / 1000;
  const vs = await views(nodes);

  const checks = (t: string, ...l: string[]) => metric(t, 'tocsin_checks_total', ...l);
  const figures = nodes.map((n, i): NodeFigures => {
    const done = checks(m1[i]!) - checks(m0[i]!);
    const down = checks(m1[i]!, 'result="down"') - checks(m0[i]!, 'result="down"');
    const checksPerSecond = done / windowSeconds;
    const cpu = (cpu1[i]! - cpu0[i]!) / windowSeconds;
    const monitorsChecked = checksPerSecond * interval;
    const own = vs[i] ? selfEntry(vs[i]!) : undefined;
    return {
      id: n.id,
      checksPerSecond,
      downShare: done ? down / done : 0,
      monitorsChecked,
      cpu,
      costPerMonitor: monitorsChecked ? cpu / monitorsChecked : NaN,
      lagP50: metric(m1[i]!, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.5"'),
      lagP99: metric(m1[i]!, 'tocsin_scheduler_lag_recent_seconds', 'quantile="0.99"'),
      histP99: histogramQuantile(m0[i]!, m1[i]!, 'tocsin_scheduler_lag_seconds', 0.99, CHECK_JOB),
      rssMax: rssMax[i]!,
      rssLast: rssLast[i]!,
      scheduledChecks: metric(m1[i]!, 'tocsin_scheduler_items', CHECK_JOB),
      partitions: own?.partitions ?? null,
      ownsMonitorCheck: own?.owns['monitor-check'] ?? null,
    };
  });
  return {
    seconds: windowSeconds,
    nodes: figures,
    targetCpu: (tcpu1 - tcpu0) / windowSeconds,
    postgresCpu: pg0 === null || pg1 === null ? null : (pg1 - pg0) / windowSeconds,
  };
}
