import { ago, clientFlags, createApiClient, table } from './api-client.js';
import { parseFlags, type Command } from './command.js';

const usage = `usage: tocsin heartbeats list [--json]`;

export const heartbeatsCommand: Command = {
  summary: 'list heartbeats with their state and ping URLs',
  async run(argv) {
    const [action, ...rest] = argv;
    const parsed = parseFlags(rest, { json: { type: 'boolean' }, ...clientFlags }, usage);
    if (!parsed) return 0;
    if (action !== 'list') {
      process.stderr.write(`tocsin heartbeats: unknown action '${action ?? ''}'\n${usage}\n`);
      return 2;
    }
    const { heartbeats } = await createApiClient(parsed.values).get<{
      heartbeats: { name: string; state: string; lastPingAt: string | null; expectedAt: string; lastReason: string | null; pingUrl: string }[];
    }>('/api/heartbeats');
    if (parsed.values.json) {
      process.stdout.write(JSON.stringify(heartbeats, null, 2) + '\n');
      return 0;
    }
    const rows = heartbeats.map((h) => [h.name, h.state, ago(h.lastPingAt), h.expectedAt, h.lastReason ?? '-', h.pingUrl]);
    process.stdout.write(table(['NAME', 'STATE', 'LAST PING', 'EXPECTED', 'LAST', 'PING URL'], rows) + '\n');
    return 0;
  },
};
