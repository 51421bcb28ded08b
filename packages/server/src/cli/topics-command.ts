import { ago, createApiClient, table } from './api-client.js';
import { nounCommand, printJson, type Action } from './command.js';
import { cliIo } from './cli-io.js';

export interface SubscriptionRow {
  name: string;
  protocol: string;
  status: string;
  endpoint?: unknown;
  filter?: unknown;
}
export interface TopicRow {
  name: string;
  displayName: string | null;
  subscriptions: SubscriptionRow[];
}
interface DeliveryRow {
  status: string;
  subscription: string;
  lastError: string | null;
  createdAt: string;
}

/** Where a subscription sends: its endpoint when that is not a secret (secrets show as their reference). */
export const destinationOf = (s: SubscriptionRow) => (typeof s.endpoint === 'string' ? s.endpoint : '-');
const count = (subs: SubscriptionRow[], status: string) => subs.filter((s) => s.status === status).length;

const list: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v) {
    const { topics } = await createApiClient(v).get<{ topics: TopicRow[] }>('/api/topics');
    if (printJson(v, topics)) return 0;
    const rows = topics.map((t) => [
      t.name,
      t.displayName ?? '-',
      String(t.subscriptions.length),
      String(count(t.subscriptions, 'confirmed')),
      String(count(t.subscriptions, 'pending')),
    ]);
    cliIo().stdout.write(`${table(['NAME', 'DISPLAY NAME', 'SUBSCRIPTIONS', 'CONFIRMED', 'PENDING'], rows)}\n`);
    return 0;
  },
};

const show: Action = {
  args: ['NAME'],
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  help: `Prints the topic's subscriptions with their state (confirmed, pending
confirmation, unsubscribed) and the outcome of the last delivery to each.`,
  async run(v, [name]) {
    const api = createApiClient(v);
    const topic = await api.get<TopicRow>(`/api/topics/${encodeURIComponent(name)}`);
    const { deliveries } = await api.get<{ deliveries: DeliveryRow[] }>(
      `/api/deliveries?topic=${encodeURIComponent(name)}&limit=200`,
    );
    const last = new Map<string, DeliveryRow>();
    for (const d of deliveries) if (!last.has(d.subscription)) last.set(d.subscription, d);
    if (
      printJson(v, {
        ...topic,
        subscriptions: topic.subscriptions.map((s) => ({ ...s, lastDelivery: last.get(s.name) ?? null })),
      })
    )
      return 0;
    const lastOf = (s: SubscriptionRow) => {
      const d = last.get(s.name);
      if (!d) return '-';
      const why = d.status !== 'delivered' && d.lastError ? `: ${d.lastError.replace(/\s+/g, ' ').slice(0, 60)}` : '';
      return `${d.status} ${ago(d.createdAt)}${why}`;
    };
    const rows = topic.subscriptions.map((s) => [s.name, s.protocol, s.status, destinationOf(s), lastOf(s)]);
    const count = topic.subscriptions.length;
    const title =
      `${topic.name}${topic.displayName ? ` (${topic.displayName})` : ''}: ` +
      `${count} subscription${count === 1 ? '' : 's'}`;
    cliIo().stdout.write(
      `${title}\n\n${table(['SUBSCRIPTION', 'PROTOCOL', 'STATE', 'DESTINATION', 'LAST DELIVERY'], rows)}\n`,
    );
    return 0;
  },
};

export const topicsCommand = nounCommand(
  'topics',
  'list topics, or show one with its subscriptions and their state',
  { list, show },
  'list',
);
