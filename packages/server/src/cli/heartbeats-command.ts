import { formatDuration } from '../core/durations.js';
import { ago, createApiClient, table } from './api-client.js';
import { nounCommand, printJson, type Action } from './command.js';
import { cliIo } from './cli-io.js';

interface HeartbeatRow {
  name: string;
  state: string;
  lastPingAt: string | null;
  expectedAt: string;
  nextDeadline: string | null;
  lastReason: string | null;
  pingUrl: string;
  slugUrl: string;
  spec: Record<string, unknown>;
}
interface PingRow {
  at: string;
  kind: string;
  exitStatus: number | null;
  durationMs: number | null;
  body: string | null;
}

const path = (name: string) => `/api/heartbeats/${encodeURIComponent(name)}`;
const firstLine = (text: string | null) =>
  (text ?? '')
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.slice(0, 60) ?? '';

const list: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v) {
    const { heartbeats } = await createApiClient(v).get<{ heartbeats: HeartbeatRow[] }>('/api/heartbeats');
    if (printJson(v, heartbeats)) return 0;
    const rows = heartbeats.map((h) => [
      h.name,
      h.state,
      ago(h.lastPingAt),
      h.expectedAt,
      h.lastReason ?? '-',
      h.pingUrl,
    ]);
    cliIo().stdout.write(`${table(['NAME', 'STATE', 'LAST PING', 'EXPECTED', 'LAST', 'PING URL'], rows)}\n`);
    return 0;
  },
};

const show: Action = {
  args: ['NAME'],
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  help: 'Prints the heartbeat, its ping URLs and its last 10 pings.',
  async run(v, [name]) {
    const api = createApiClient(v);
    const h = await api.get<HeartbeatRow>(path(name));
    const { pings } = await api.get<{ pings: PingRow[] }>(`${path(name)}/pings?limit=10`);
    if (printJson(v, { ...h, pings })) return 0;
    const schedule = h.spec.cron
      ? `cron '${h.spec.cron}' (${h.spec.timezone ?? 'UTC'})`
      : `every ${formatDuration(Number(h.spec.period))}`;
    const out = [
      `${h.name}  ${h.state}${h.lastReason ? ` (${h.lastReason})` : ''}`,
      `  ${schedule}, grace ${formatDuration(Number(h.spec.grace))}${h.spec.paused ? ', paused' : ''}`,
      `  last ping ${ago(h.lastPingAt)}, expected by ${h.expectedAt}`,
      `  ping URL ${h.pingUrl}`,
      `  slug URL ${h.slugUrl}`,
      '',
      table(
        ['TIME', 'KIND', 'EXIT', 'DURATION', 'BODY'],
        pings.map((p) => [
          p.at,
          p.kind,
          p.exitStatus === null ? '-' : String(p.exitStatus),
          p.durationMs === null ? '-' : `${p.durationMs} ms`,
          firstLine(p.body),
        ]),
      ),
    ];
    cliIo().stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};

const pausing = (paused: boolean): Action => ({
  args: ['NAME'],
  help: paused
    ? 'Stops expecting pings (no alerts) until the heartbeat is resumed or, unless manualResume, pinged.'
    : 'Expects pings again from now on.',
  async run(v, [name]) {
    const h = await createApiClient(v).post<HeartbeatRow>(`${path(name)}/${paused ? 'pause' : 'resume'}`);
    cliIo().stdout.write(`heartbeat '${h.name}' ${paused ? 'paused' : 'resumed'} (${h.state})\n`);
    return 0;
  },
});

export const heartbeatsCommand = nounCommand(
  'heartbeats',
  'list heartbeats with their ping URLs, show one with its pings, pause or resume one',
  { list, show, pause: pausing(true), resume: pausing(false) },
  'list',
);
