import type { ClusterStatus } from '../cluster/cluster.js';
import { ago, createApiClient, table } from './api-client.js';
import { nounCommand, printJson, type Action } from './command.js';
import { cliIo } from './cli-io.js';

/** Keys owned per job, the ones people ask about first. */
const JOBS: [string, string][] = [
  ['monitor-check', 'MONITORS'],
  ['heartbeat-deadline', 'HEARTBEATS'],
  ['alarm-evaluation', 'ALARMS'],
];

const status: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  help: `The nodes sharing this database's work: state (alive, dead, stopped), version,
partitions held, monitors, heartbeats and alarms each runs, scheduler lag p99
and when each was last seen. On SQLite there is one node.`,
  async run(v) {
    const s = await createApiClient(v).get<ClusterStatus>('/api/cluster');
    if (printJson(v, s)) return 0;
    const alive = s.nodes.filter((n) => n.state === 'alive').length;
    const head =
      s.mode === 'single'
        ? 'one node (SQLite): it runs everything\n'
        : `${alive} of ${s.nodes.length} node(s) alive; ${s.partitions} partitions; ` +
          `lease timeout ${s.leaseTimeoutMs / 1000}s, node timeout ${s.nodeTimeoutMs / 1000}s\n`;
    const rows = s.nodes.map((n) => [
      `${n.id}${n.self ? ' *' : ''}`,
      n.address,
      n.state,
      n.version,
      String(n.partitions),
      ...JOBS.map(([job]) => (n.state === 'alive' ? String(n.owns[job] ?? 0) : '-')),
      n.lagP99Ms === null ? '-' : `${n.lagP99Ms} ms`,
      ago(n.lastSeenAt),
    ]);
    const header = ['NODE', 'ADDRESS', 'STATE', 'VERSION', 'PARTITIONS', ...JOBS.map(([, h]) => h), 'LAG P99', 'SEEN'];
    cliIo().stdout.write(`${head}${table(header, rows)}\n`);
    return 0;
  },
};

export const clusterCommand = nounCommand(
  'cluster',
  'show the nodes sharing the work, what each owns, their lag and versions',
  { status },
  'status',
);
