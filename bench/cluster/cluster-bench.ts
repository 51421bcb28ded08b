/**
 * bench/cluster: the cost of sharing the checks between nodes on one PostgreSQL database, and the take-over.
 *   1. baseline: one node, 10,000 HTTP monitors at 20 s;
 *   2. three nodes on one schema, 30,000 monitors at 20 s: per node and total, each node's partitions, and each
 *      node's cost per monitor (CPU share ÷ monitors it checks) as a ratio to the single node's;
 *   3. take-over (the cluster of 2 goes on): kill -9 one node, then the time until the survivors own every
 *      partition and until every monitor has been checked again, next to interval + lease timeout.
 * Monitors are created through POST /api/config/apply in chunks of 1,000, then one interval of warm-up, then the
 * measured window (rounded up to whole intervals, as checks come in waves). One fresh schema for phase 1 and one
 * for phases 2 and 3, dropped after. Everything it starts ends at the end, on SIGINT or SIGTERM, and at the next
 * run if this one was killed. Prints figures, asserts nothing.
 *
 *   node -C source --import tsx bench/cluster/cluster-bench.ts [--seconds 120] [--monitors 30000] [--single 10000]
 *        [--interval 20s] [--lease-timeout 10s] [--phases 1,2,3] [--create after|before]
 * Phase 2's monitors are created through the first node once all three have settled (`--create after`: the other
 * two learn of them by the change bus), or before the other two start (`before`: they read them at start).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clockTicks } from '../checks/proc-stats.js';
import {
  cleanLeftovers,
  createSchema,
  dropRegisteredSchemas,
  forgetPid,
  killRegistered,
  registerPid,
} from './bench-processes.js';
import { clusterView, createMonitors, selfEntry } from './cluster-api.js';
import { assertRunning, type BenchNode, startNodes, stopAllNodes, views, waitSettled } from './cluster-nodes.js';
import { type Bounds, printCostRatios, printNodes, printTakeOver, summary } from './cluster-report.js';
import { startHitTarget, type HitTarget } from './hit-target.js';
import { measureWindow, type WindowFigures } from './measure-window.js';
import { type TakeOverFigures, takeOver } from './take-over.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NODES = 3;
const NODE_TIMEOUT_MS = 10_000;
const RENEW_MS = 2000;
/** How long the nodes may take to hold every monitor after the apply. */
const KNOWN_MS = 600_000;

function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return NaN;
  const unit = m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1;
  return Number(m[1]) * unit;
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    monitors: { type: 'string', default: '30000' },
    single: { type: 'string', default: '10000' },
    interval: { type: 'string', default: '20s' },
    'lease-timeout': { type: 'string', default: '10s' },
    phases: { type: 'string', default: '1,2,3' },
    create: { type: 'string', default: 'after' },
  },
});
const INTERVAL = seconds(values.interval!);
const MONITORS = Number(values.monitors);
const SINGLE = Number(values.single);
const LEASE_MS = Math.round(seconds(values['lease-timeout']!) * 1000);
const PHASES = new Set(values.phases!.split(',').map(Number));
/** Phase 2's monitors: through the first node after all three settled, or before the other two start. */
const CREATE = values.create;
if (
  ![MONITORS, SINGLE].every((n) => Number.isInteger(n) && n >= 1) ||
  !(seconds(values.seconds!) >= 5) ||
  !(INTERVAL >= 1) ||
  !(LEASE_MS >= 300) ||
  [...PHASES].some((p) => ![1, 2, 3].includes(p)) ||
  (CREATE !== 'after' && CREATE !== 'before')
) {
  console.error(
    'usage: cluster-bench.ts [--seconds 120 (≥ 5)] [--monitors 30000] [--single 10000] [--interval 20s] ' +
      '[--lease-timeout 10s] [--phases 1,2,3] [--create after|before]',
  );
  process.exit(2);
}
const SECONDS = Math.ceil(seconds(values.seconds!) / INTERVAL) * INTERVAL;
// The renew interval may be at most a third of the lease timeout; the default (2 s) is, from 6 s up.
const RENEW = LEASE_MS < 3 * RENEW_MS ? `${Math.floor(LEASE_MS / 3)}ms` : undefined;
const NODE_SETTINGS = { leaseTimeout: values['lease-timeout']!, renewInterval: RENEW };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errors: string[] = [];
const warnings: string[] = [];
/** Set-up timings of each phase, for the summary. */
const setup: Record<string, number> = {};

let target: HitTarget | undefined;
let ending = false;
async function endAll(code: number): Promise<never> {
  ending = true;
  await stopAllNodes(10_000);
  if (target) {
    target.stop();
    forgetPid(target.pid);
  }
  await dropRegisteredSchemas();
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping every node, the target, and dropping the schemas`);
    void endAll(130);
  });
}
process.on('exit', killRegistered);

function fail(phase: string, err: unknown, nodes: BenchNode[]): void {
  if (ending) return;
  const tails = nodes
    .filter((n) => n.server.stderrTail().length)
    .map((n) => `\nlast lines of ${n.id}'s stderr:\n  ${n.server.stderrTail().join('\n  ')}`);
  const message = `${phase}: ${(err as Error).message}`;
  errors.push(message);
  console.log(`${message}${tails.join('')}`);
}

async function settle(nodes: BenchNode[], label: string): Promise<void> {
  const settled = await waitSettled(nodes);
  if (settled.seconds === null) console.log(`${label}: no GET /api/cluster in this build; partitions not shown`);
  else {
    const how = settled.settled ? 'settled' : 'NOT settled (going on)';
    console.log(`${label}: partitions ${how} after ${settled.seconds.toFixed(1)} s: ${settled.owned.join(' + ')}`);
  }
}

async function create(t: HitTarget, node: BenchNode, monitors: number, label: string): Promise<void> {
  await t.reset(monitors);
  const applied = await createMonitors(node.server.base, monitors, t.port, INTERVAL);
  console.log(`${label}: ${monitors} monitors created through ${node.id} in ${applied.toFixed(1)} s`);
  setup[`${label} apply s`] = Number(applied.toFixed(1));
}

/**
 * Until the nodes' `monitor-check` keys add up to every monitor (the others learn of monitors created through one
 * node by change notices; within KNOWN_MS, else a warning), then one interval of warm-up.
 */
async function warmUp(nodes: BenchNode[], monitors: number, label: string): Promise<void> {
  const t0 = performance.now();
  let owns: number[] = [];
  for (;;) {
    assertRunning(nodes);
    const vs = await views(nodes);
    if (vs.some((v) => v === null)) break;
    owns = vs.map((v) => selfEntry(v!)?.owns['monitor-check'] ?? 0);
    const sum = owns.reduce((a, b) => a + b, 0);
    const waited = (performance.now() - t0) / 1000;
    if (sum === monitors) {
      setup[`${label} all keys owned after the apply s`] = Number(waited.toFixed(1));
      console.log(
        `${label}: the nodes' monitor-check keys add up to ${monitors} ${waited.toFixed(1)} s after the apply`,
      );
      break;
    }
    if (waited * 1000 >= KNOWN_MS) {
      const message =
        `${label}: ${waited.toFixed(0)} s after the apply the nodes own ${owns.join(' + ')} = ${sum} ` +
        `monitor-check keys, not ${monitors} (going on)`;
      warnings.push(message);
      console.log(`WARNING ${message}`);
      break;
    }
    await sleep(1000);
  }
  await sleep(INTERVAL * 1000);
  assertRunning(nodes);
}

async function bounds(nodes: BenchNode[]): Promise<Bounds> {
  const v = await clusterView(nodes[0]!.server.base).catch(() => null);
  if (v) {
    const { leaseTimeoutMs, nodeTimeoutMs, renewIntervalMs } = v;
    return { interval: INTERVAL, leaseTimeoutMs, nodeTimeoutMs, renewIntervalMs, from: 'GET /api/cluster' };
  }
  const renew = RENEW ? Math.floor(LEASE_MS / 3) : RENEW_MS;
  return {
    interval: INTERVAL,
    leaseTimeoutMs: LEASE_MS,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
    renewIntervalMs: renew,
    from: 'the settings (defaults)',
  };
}

async function phaseSingle(t: HitTarget): Promise<WindowFigures | undefined> {
  const schema = await createSchema();
  let nodes: BenchNode[] = [];
  try {
    nodes = await startNodes(root, 'single', 1, { databaseUrl: schema.url, ...NODE_SETTINGS });
    await settle(nodes, 'phase 1');
    await create(t, nodes[0]!, SINGLE, 'phase 1');
    await warmUp(nodes, SINGLE, 'phase 1');
    return await measureWindow(nodes, SECONDS, INTERVAL, t.pid);
  } catch (err) {
    fail('phase 1', err, nodes);
    return undefined;
  } finally {
    await stopAllNodes();
    await schema.drop();
  }
}

async function phaseCluster(
  t: HitTarget,
): Promise<{ window?: WindowFigures; takeOver?: TakeOverFigures; bounds?: Bounds }> {
  const schema = await createSchema();
  let nodes: BenchNode[] = [];
  const out: { window?: WindowFigures; takeOver?: TakeOverFigures; bounds?: Bounds } = {};
  try {
    const settings = { databaseUrl: schema.url, ...NODE_SETTINGS };
    if (CREATE === 'before') {
      nodes = await startNodes(root, 'trio', 1, settings);
      await create(t, nodes[0]!, MONITORS, 'phase 2');
      nodes = [...nodes, ...(await startNodes(root, 'trio', NODES - 1, settings, 2))];
      await settle(nodes, 'phase 2');
    } else {
      nodes = await startNodes(root, 'trio', NODES, settings);
      await settle(nodes, 'phase 2');
      await create(t, nodes[0]!, MONITORS, 'phase 2');
    }
    await warmUp(nodes, MONITORS, 'phase 2');
    out.bounds = await bounds(nodes);
    if (PHASES.has(2)) out.window = await measureWindow(nodes, SECONDS, INTERVAL, t.pid);
    if (PHASES.has(3)) {
      const victim = nodes[NODES - 1]!;
      out.takeOver = await takeOver(victim, nodes.slice(0, NODES - 1), t, {
        interval: INTERVAL,
        leaseTimeoutMs: out.bounds.leaseTimeoutMs,
        monitors: MONITORS,
        databaseUrl: schema.url,
      });
    }
  } catch (err) {
    fail(PHASES.has(2) ? 'phase 2' : 'phase 3', err, nodes);
  } finally {
    await stopAllNodes();
    await schema.drop();
  }
  return out;
}

if (process.env.BENCH_BUILD !== '0' || !existsSync(path.join(root, 'packages/server/dist/cli/main.js'))) {
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', timeout: 300_000 });
  if (b.status !== 0) {
    console.error('npm run build failed; the bench runs the server from the build');
    process.exit(1);
  }
}
await cleanLeftovers([
  path.join(root, 'packages/server/dist/cli/main.js'),
  path.join(root, 'bench/cluster/hit-target-process.ts'),
]);
target = await startHitTarget(root);
registerPid(target.pid);
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, CLK_TCK ${clockTicks()}`);
const rounded =
  SECONDS !== seconds(values.seconds!) ? ` (--seconds ${values.seconds} rounded up to whole intervals)` : '';
console.log(
  `HTTP monitors at ${INTERVAL} s on PostgreSQL, ${INTERVAL} s warm-up, ${SECONDS} s measured${rounded}; ` +
    `lease timeout ${LEASE_MS} ms; target 127.0.0.1:${target.port}`,
);
console.log(
  `this machine has ${os.cpus().length} cores: the ${NODES} nodes of phase 2 share them with PostgreSQL and the ` +
    "target, so CPU figures are each node's share of one core; the ratio to the single node is what matters",
);
const single = PHASES.has(1) ? await phaseSingle(target) : undefined;
if (single) printNodes(`phase 1: one node, ${SINGLE} monitors`, single, SINGLE / INTERVAL);
const cluster = PHASES.has(2) || PHASES.has(3) ? await phaseCluster(target) : {};
if (cluster.window) {
  const base = single?.nodes[0]?.costPerMonitor;
  printNodes(`phase 2: ${NODES} nodes, ${MONITORS} monitors, one schema`, cluster.window, MONITORS / INTERVAL, base);
  if (base) printCostRatios(cluster.window, base);
}
if (cluster.takeOver && cluster.bounds) printTakeOver(cluster.takeOver, cluster.bounds, MONITORS);
console.log('\nsummary:');
console.log(
  summary({
    settings: {
      cores: os.cpus().length,
      intervalSeconds: INTERVAL,
      windowSeconds: SECONDS,
      singleMonitors: SINGLE,
      clusterMonitors: MONITORS,
      nodes: NODES,
      leaseTimeoutMs: cluster.bounds?.leaseTimeoutMs ?? LEASE_MS,
      nodeTimeoutMs: cluster.bounds?.nodeTimeoutMs ?? NODE_TIMEOUT_MS,
      renewIntervalMs: cluster.bounds?.renewIntervalMs ?? null,
      setup,
    },
    single,
    cluster: cluster.window,
    takeOver: cluster.takeOver,
    bounds: cluster.bounds,
    warnings,
    errors,
  }),
);
await endAll(errors.length ? 1 : 0);
