import { ago, clientFlags, createApiClient, table } from './api-client.js';
import { parseFlags, type Command } from './command.js';

const usage = `usage: tocsin alarms list [--json]
       tocsin alarms history NAME [--json]`;

export const alarmsCommand: Command = {
  summary: 'list alarms with their state and reason, or one alarm’s history',
  async run(argv) {
    const parsed = parseFlags(argv, { json: { type: 'boolean' }, ...clientFlags }, usage, true);
    if (!parsed) return 0;
    const [action, name] = parsed.positionals;
    const api = createApiClient(parsed.values);
    if (action === 'list') {
      const { alarms } = await api.get<{ alarms: { name: string; state: string; reason: string; stateChangedAt: string }[] }>('/api/alarms');
      if (parsed.values.json) process.stdout.write(JSON.stringify(alarms, null, 2) + '\n');
      else process.stdout.write(table(['NAME', 'STATE', 'SINCE', 'REASON'], alarms.map((a) => [a.name, a.state, ago(a.stateChangedAt), a.reason])) + '\n');
      return 0;
    }
    if (action === 'history') {
      if (!name) {
        process.stderr.write('tocsin alarms history: give the alarm NAME\n');
        return 2;
      }
      const { history } = await api.get<{ history: { at: string; kind: string; summary: string; data: { reason?: string } }[] }>(`/api/alarms/${encodeURIComponent(name)}/history`);
      if (parsed.values.json) process.stdout.write(JSON.stringify(history, null, 2) + '\n');
      else process.stdout.write(table(['TIME', 'KIND', 'SUMMARY', 'REASON'], history.map((h) => [h.at, h.kind, h.summary, h.data.reason ?? ''])) + '\n');
      return 0;
    }
    process.stderr.write(`tocsin alarms: unknown action '${action ?? ''}'\n${usage}\n`);
    return 2;
  },
};
