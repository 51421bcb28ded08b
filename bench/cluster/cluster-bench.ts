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
 *        [--interval 20s] [--lease-timeout 10s] [--phases 1,2,3]
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
import { clusterView, createMonitors } from './cluster-api.js';
import { assertRunning, type BenchNode, startNodes, stopAllNodes, waitSettled } from './cluster-nodes.js';
import { type Bounds, printCostRatios, printNodes, printTakeOver, summary } from './cluster-report.js';
import { startHitTarget, type HitTarget } from './hit-target.js';
import { measureWindow, type WindowFigures } from './measure-window.js';
import { type TakeOverFigures, takeOver } from './take-over.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NODES = 3;
const NODE_TIMEOUT_MS = 10_000;
const RENEW_MS = 2000;

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
  },
});
const INTERVAL = seconds(values.interval!);
const MONITORS = Number(values.monitors);
const SINGLE = Number(values.single);
const LEASE_MS = Math.round(seconds(values['lease-timeout']!) * 1000);
const PHASES = new Set(values.phases!.split(',').map(Number));
if (
  ![MONITORS, SINGLE].every((n) => Number.isInteger(n) && n >= 1) ||
  !(seconds(values.seconds!) >= 5) ||
  !(INTERVAL >= 1) ||
  !(LEASE_MS >= 300) ||
  [...PHASES].some((p) => ![1, 2, 3].includes(p))
) {
  console.error(
    'usage: cluster-bench.ts [--seconds 120 (≥ 5)] [--monitors 30000] [--single 10000] [--interval 20s] ' +
      '[--lease-timeout 10s] [--phases 1,2,3]',
  );
  process.exit(2);
}
const SECONDS = Math.ceil(seconds(values.seconds!) / INTERVAL) * INTERVAL;
// The renew interval may be at most a third of the lease timeout; the default (2 s) is, from 6 s up.
const RENEW = LEASE_MS < 3 * RENEW_MS ? `${Math.floor(LEASE_MS / 3)}ms` : undefined;
const NODE_SETTINGS = { leaseTimeout: values['lease-timeout']!, renewInterval: RENEW };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errors: string[] = [];

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

/** The phase's nodes with their monitors created and warmed up for one interval. */
async function prepare(t: HitTarget, nodes: BenchNode[], monitors: number, label: string): Promise<void> {
  const settle = await waitSettled(nodes);
  if (settle.seconds === null) console.log(`${label}: no GET /api/cluster in this build; partitions not shown`);
  else {
    const how = settle.settled ? 'settled' : 'NOT settled (going on)';
    console.log(`${label}: partitions ${how} after ${settle.seconds.toFixed(1)} s: ${settle.owned.join(' + ')}`);
  }
  await t.reset(monitors);
  const applied = await createMonitors(nodes[0]!.server.base, monitors, t.port, INTERVAL);
  console.log(`${label}: ${monitors} monitors created through ${nodes[0]!.id} in ${applied.toFixed(1)} s`);
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
    await prepare(t, nodes, SINGLE, 'phase 1');
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
    nodes = await startNodes(root, 'trio', NODES, { databaseUrl: schema.url, ...NODE_SETTINGS });
    await prepare(t, nodes, MONITORS, 'phase 2');
    out.bounds = await bounds(nodes);
    if (PHASES.has(2)) out.window = await measureWindow(nodes, SECONDS, INTERVAL, t.pid);
    if (PHASES.has(3)) {
      const victim = nodes[NODES - 1]!;
      out.takeOver = await takeOver(victim, nodes.slice(0, NODES - 1), t, {
        interval: INTERVAL,
        leaseTimeoutMs: out.bounds.leaseTimeoutMs,
        monitors: MONITORS,
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
    },
    single,
    cluster: cluster.window,
    takeOver: cluster.takeOver,
    bounds: cluster.bounds,
    errors,
  }),
);
await endAll(errors.length ? 1 : 0);
