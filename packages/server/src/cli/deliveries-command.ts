import { ago, clientFlags, createApiClient, table } from './api-client.js';
import { parseFlags, type Command } from './command.js';

const usage = `usage: tocsin deliveries list [--status pending|delivered|dead] [--topic T] [--subscription S] [--limit N] [--json]
       tocsin deliveries replay ID
       tocsin deliveries replay --all-dead [--topic T] [--subscription S]`;

interface DeliveryRow {
  id: string;
  status: string;
  topic: string;
  subscription: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

function cut(text: string, n: number): string {
  return text.length > n ? text.slice(0, n - 1) + '…' : text;
}

export const deliveriesCommand: Command = {
  summary: 'list deliveries and replay dead letters',
  async run(argv) {
    const [action, ...rest] = argv;
    const parsed = parseFlags(
      rest,
      { status: { type: 'string' }, topic: { type: 'string' }, subscription: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, 'all-dead': { type: 'boolean' }, ...clientFlags },
      usage,
      true,
    );
    if (!parsed) return 0;
    const v = parsed.values;
    const query = new URLSearchParams();
    for (const k of ['status', 'topic', 'subscription', 'limit'] as const) if (typeof v[k] === 'string') query.set(k, v[k] as string);
    const api = createApiClient(v);
    if (action === 'list') {
      const { deliveries } = await api.get<{ deliveries: DeliveryRow[] }>(`/api/deliveries?${query}`);
      if (v.json) process.stdout.write(JSON.stringify(deliveries, null, 2) + '\n');
      else {
        const rows = deliveries.map((d) => [d.id, d.status, `${d.topic}/${d.subscription}`, String(d.attempts), cut(d.lastError ?? '', 60), ago(d.createdAt)]);
        process.stdout.write(table(['ID', 'STATUS', 'SUBSCRIPTION', 'ATTEMPTS', 'LAST ERROR', 'CREATED'], rows) + '\n');
      }
      return 0;
    }
    if (action === 'replay') {
      if (v['all-dead']) {
        query.delete('status');
        query.delete('limit');
        const { replayed } = await api.post<{ replayed: number }>(`/api/deliveries/replay?${query}`);
        process.stdout.write(`replaying ${replayed} dead deliver${replayed === 1 ? 'y' : 'ies'}\n`);
        return 0;
      }
      const [id] = parsed.positionals;
      if (!id) {
        process.stderr.write('tocsin deliveries replay: give a delivery ID, or --all-dead\n');
        return 2;
      }
      await api.post(`/api/deliveries/${encodeURIComponent(id)}/replay`);
      process.stdout.write(`delivery ${id} is queued again\n`);
      return 0;
    }
    process.stderr.write(`tocsin deliveries: unknown action '${action ?? ''}'\n${usage}\n`);
    return 2;
  },
};
