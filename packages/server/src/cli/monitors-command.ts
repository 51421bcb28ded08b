import { ago, clientFlags, createApiClient, table } from './api-client.js';
import { parseFlags, type Command } from './command.js';

const usage = `usage: tocsin monitors list [--json]
       tocsin monitors show NAME [--json]`;

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
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}%`);
const targetOf = (m: MonitorRow) => String(m.target.url ?? (m.target.host !== undefined ? `${m.target.host}:${m.target.port ?? ''}` : m.target.query ?? ''));

export const monitorsCommand: Command = {
  summary: 'list monitors, or show one with its recent results',
  async run(argv) {
    const [action, ...rest] = argv;
    const parsed = parseFlags(rest, { json: { type: 'boolean' }, ...clientFlags }, usage, true);
    if (!parsed) return 0;
    const api = createApiClient(parsed.values);
    if (action === 'list') {
      const { monitors } = await api.get<{ monitors: MonitorRow[] }>('/api/monitors');
      if (parsed.values.json) process.stdout.write(JSON.stringify(monitors, null, 2) + '\n');
      else {
        const rows = monitors.map((m) => [m.name, m.state, m.type, targetOf(m), ago(m.lastCheckAt), m.lastResult?.latencyMs != null ? `${m.lastResult.latencyMs} ms` : '-', pct(m.uptime?.['24h']), pct(m.uptime?.['30d'])]);
        process.stdout.write(table(['NAME', 'STATE', 'TYPE', 'TARGET', 'LAST CHECK', 'LATENCY', 'UP 24H', 'UP 30D'], rows) + '\n');
      }
      return 0;
    }
    if (action === 'show') {
      const [name] = parsed.positionals;
      if (!name) {
        process.stderr.write('tocsin monitors show: give the monitor NAME\n');
        return 2;
      }
      const m = await api.get<MonitorRow & { settings: Record<string, unknown> }>(`/api/monitors/${encodeURIComponent(name)}`);
      const { results } = await api.get<{ results: { at: string; up: boolean; latencyMs: number; reason: string }[] }>(`/api/monitors/${encodeURIComponent(name)}/results?limit=10`);
      if (parsed.values.json) {
        process.stdout.write(JSON.stringify({ ...m, results }, null, 2) + '\n');
        return 0;
      }
      const out = [
        `${m.name}  ${m.state} since ${ago(m.stateChangedAt)}`,
        `  ${m.type} ${targetOf(m)}`,
        `  last check ${ago(m.lastCheckAt)}: ${m.lastResult ? m.lastResult.reason : '-'}`,
        `  uptime 24h ${pct(m.uptime['24h'])}  7d ${pct(m.uptime['7d'])}  30d ${pct(m.uptime['30d'])}`,
        '',
        table(['TIME', 'RESULT', 'LATENCY', 'REASON'], results.map((r) => [r.at, r.up ? 'up' : 'DOWN', `${r.latencyMs} ms`, r.reason])),
      ];
      process.stdout.write(out.join('\n') + '\n');
      return 0;
    }
    process.stderr.write(`tocsin monitors: unknown action '${action ?? ''}'\n${usage}\n`);
    return 2;
  },
};
