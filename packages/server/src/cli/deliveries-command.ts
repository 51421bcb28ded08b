import { ago, clientFlags, createApiClient, table } from './api-client.js';
import { parseFlags, type Command } from './command.js';
import { cliIo } from './cli-io.js';

const listFlags = '[--status pending|delivered|dead] [--topic T] [--subscription S] [--limit N] [--json]';
const usage = `usage: tocsin deliveries list ${listFlags}
       tocsin deliveries replay ID
       tocsin deliveries replay --all-dead [--topic T] [--subscription S]

Every form also takes --url URL and --token TOKEN.`;

const statuses = ['pending', 'delivered', 'dead'];

interface DeliveryRow {
  id: string;
  status: string;
  topic: string;
  subscription: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/** One line of at most `n` characters: errors may carry a whole response body. */
function cut(text: string, n: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

function fail(message: string): number {
  cliIo().stderr.write(`tocsin deliveries: ${message}\n`);
  return 2;
}

export const deliveriesCommand: Command = {
  summary: 'list deliveries and replay dead letters',
  async run(argv) {
    const parsed = parseFlags(
      argv,
      {
        status: { type: 'string' },
        topic: { type: 'string' },
        subscription: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        'all-dead': { type: 'boolean' },
        ...clientFlags,
      },
      usage,
      true,
    );
    if (!parsed) return 0;
    const v = parsed.values;
    const [action, id] = parsed.positionals;
    const query = new URLSearchParams();
    for (const k of ['topic', 'subscription'] as const) if (typeof v[k] === 'string') query.set(k, v[k] as string);
    const qs = () => (query.size ? `?${query}` : '');
    if (action === 'list') {
      if (v.status !== undefined && !statuses.includes(String(v.status)))
        return fail(`--status '${v.status}' is not one of ${statuses.join(', ')}`);
      if (v.limit !== undefined && !(/^\d+$/.test(String(v.limit)) && Number(v.limit) >= 1 && Number(v.limit) <= 1000))
        return fail(`--limit '${v.limit}' is not a number from 1 to 1000`);
      if (v.status) query.set('status', String(v.status));
      if (v.limit) query.set('limit', String(v.limit));
      const { deliveries } = await createApiClient(v).get<{ deliveries: DeliveryRow[] }>(`/api/deliveries${qs()}`);
      if (v.json) cliIo().stdout.write(`${JSON.stringify(deliveries, null, 2)}\n`);
      else {
        const rows = deliveries.map((d) => [
          d.id,
          d.status,
          `${d.topic}/${d.subscription}`,
          String(d.attempts),
          cut(d.lastError ?? '', 60) || '-',
          ago(d.createdAt),
        ]);
        cliIo().stdout.write(`${table(['ID', 'STATUS', 'SUBSCRIPTION', 'ATTEMPTS', 'LAST ERROR', 'CREATED'], rows)}\n`);
      }
      return 0;
    }
    if (action === 'replay') {
      if (v['all-dead']) {
        if (id) return fail('give a delivery ID or --all-dead, not both');
        const { replayed, skipped } = await createApiClient(v).post<{ replayed: number; skipped: number }>(
          `/api/deliveries/replay${qs()}`,
        );
        const plural = (n: number) => `deliver${n === 1 ? 'y' : 'ies'}`;
        const skippedText = skipped
          ? `; skipped ${skipped} dead ${plural(skipped)} of deleted subscriptions (nowhere to send them)`
          : '';
        cliIo().stdout.write(`replaying ${replayed} dead ${plural(replayed)}${skippedText}\n`);
        return 0;
      }
      if (!id) return fail('give a delivery ID, or --all-dead (see --help)');
      await createApiClient(v).post(`/api/deliveries/${encodeURIComponent(id)}/replay`);
      cliIo().stdout.write(`delivery ${id} is queued again\n`);
      return 0;
    }
    return fail(
      action
        ? `unknown action '${action}': use list or replay (see --help)`
        : 'give an action: list or replay (see --help)',
    );
  },
};
