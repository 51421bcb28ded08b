import { ago, createApiClient, table } from './api-client.js';
import { nounCommand, printJson, type Action } from './command.js';
import { cliIo } from './cli-io.js';

type Uptime = Record<'24h' | '7d' | '30d', number | null>;
interface MonitorRow {
  name: string;
  type: string;
  state: string;
  target: Record<string, unknown>;
  lastCheckAt: string | null;
  lastResult: { up: boolean; reason: string; latencyMs: number | null } | null;
  stateChangedAt: string;
  uptime: Uptime;
  settings?: { paused?: boolean };
}

interface ChangeRow {
  at: string;
  from: string;
  to: string;
  reason: string | null;
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}%`);
const targetOf = (m: MonitorRow) =>
  String(
    m.target.url ?? (m.target.host !== undefined ? `${m.target.host}:${m.target.port ?? ''}` : (m.target.query ?? '')),
  );
const path = (name: string) => `/api/monitors/${encodeURIComponent(name)}`;

const list: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v) {
    const { monitors } = await createApiClient(v).get<{ monitors: MonitorRow[] }>('/api/monitors');
    if (printJson(v, monitors)) return 0;
    const rows = monitors.map((m) => [
      m.name,
      m.state,
      m.type,
      targetOf(m),
      ago(m.lastCheckAt),
      m.lastResult?.latencyMs != null ? `${m.lastResult.latencyMs} ms` : '-',
      pct(m.uptime?.['24h']),
      pct(m.uptime?.['30d']),
    ]);
    cliIo().stdout.write(
      `${table(['NAME', 'STATE', 'TYPE', 'TARGET', 'LAST CHECK', 'LATENCY', 'UP 24H', 'UP 30D'], rows)}\n`,
    );
    return 0;
  },
};

const show: Action = {
  args: ['NAME'],
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  help: 'Prints the monitor with its last 10 check results and its last 10 state changes.',
  async run(v, [name]) {
    const api = createApiClient(v);
    const m = await api.get<MonitorRow & { settings: Record<string, unknown> }>(path(name));
    const [{ results }, { changes }] = await Promise.all([
      api.get<{ results: { at: string; up: boolean; latencyMs: number; reason: string }[] }>(
        `${path(name)}/results?limit=10`,
      ),
      api.get<{ changes: ChangeRow[] }>(`${path(name)}/changes?limit=10`),
    ]);
    if (printJson(v, { ...m, results, changes })) return 0;
    const out = [
      `${m.name}  ${m.state} since ${ago(m.stateChangedAt)}`,
      `  ${m.type} ${targetOf(m)}`,
      `  last check ${ago(m.lastCheckAt)}: ${m.lastResult ? m.lastResult.reason : '-'}`,
      `  uptime 24h ${pct(m.uptime['24h'])}  7d ${pct(m.uptime['7d'])}  30d ${pct(m.uptime['30d'])}`,
      '',
      table(
        ['TIME', 'RESULT', 'LATENCY', 'REASON'],
        results.map((r) => [r.at, r.up ? 'up' : 'DOWN', `${r.latencyMs} ms`, r.reason]),
      ),
      '',
      changes.length
        ? table(
            ['CHANGED', 'FROM', 'TO', 'REASON'],
            changes.map((c) => [c.at, c.from, c.to, c.reason ?? '-']),
          )
        : 'no state changes yet',
    ];
    cliIo().stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};

/** pause or resume: no checks and no notifications while paused. */
const pausing = (paused: boolean): Action => ({
  args: ['NAME'],
  help: paused
    ? 'Stops checking the monitor (and notifying about it) until it is resumed.'
    : 'Checks the monitor again from now on.',
  async run(v, [name]) {
    const m = await createApiClient(v).post<MonitorRow>(`${path(name)}/${paused ? 'pause' : 'resume'}`);
    cliIo().stdout.write(`monitor '${m.name}' ${paused ? 'paused' : 'resumed'} (${m.state})\n`);
    return 0;
  },
});

export const monitorsCommand = nounCommand(
  'monitors',
  'list monitors, show one with its recent results and state changes, pause or resume one',
  { list, show, pause: pausing(true), resume: pausing(false) },
  'list',
);
