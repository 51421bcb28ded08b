import { parseDuration } from '../core/durations.js';
import { createApiClient, table } from './api-client.js';
import { nounCommand, printJson, UsageError, type Action } from './command.js';
import { destinationOf, type TopicRow } from './topics-command.js';
import { cliIo } from './cli-io.js';

interface DeliveryRow {
  id: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

const list: Action = {
  synopsis: '[--json]',
  options: { json: { type: 'boolean' } },
  async run(v) {
    const { topics } = await createApiClient(v).get<{ topics: TopicRow[] }>('/api/topics');
    const subs = topics.flatMap((t) => t.subscriptions.map((s) => ({ topic: t.name, ...s })));
    if (printJson(v, subs)) return 0;
    cliIo().stdout.write(
      `${table(
        ['SUBSCRIPTION', 'PROTOCOL', 'STATE', 'DESTINATION'],
        subs.map((s) => [`${s.topic}/${s.name}`, s.protocol, s.status, destinationOf(s)]),
      )}\n`,
    );
    return 0;
  },
};

/** Polls the delivery until its first attempt is over or `waitMs` has passed. */
async function firstOutcome(
  api: ReturnType<typeof createApiClient>,
  id: string,
  waitMs: number,
): Promise<DeliveryRow | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const d = await api.get<DeliveryRow>(`/api/deliveries/${encodeURIComponent(id)}`);
    if (d.status !== 'pending' || d.attempts > 0) return d;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
}

const test: Action = {
  args: ['TOPIC/SUBSCRIPTION'],
  synopsis: '[--wait DURATION]',
  options: { wait: { type: 'string' } },
  help: `Sends a test notification (kind "test") to this one subscription through the
outbox, as other tools' "Test" button does, and waits up to --wait (10s; 0 does
not wait) for the first attempt. Exits 0 once delivered, 1 when the attempt
failed (the outbox retries it) or did not happen in time.`,
  async run(v, [target]) {
    const slash = target.indexOf('/');
    if (slash < 1 || slash === target.length - 1)
      throw new UsageError(`subscriptions test: '${target}' is not TOPIC/SUBSCRIPTION (see tocsin topics show TOPIC)`);
    const [topic, sub] = [target.slice(0, slash), target.slice(slash + 1)];
    const waitMs = v.wait === undefined ? 10_000 : parseDuration(String(v.wait));
    if (waitMs === undefined || waitMs > 600_000)
      throw new UsageError(`subscriptions test: --wait '${v.wait}' is not a duration up to 10m (such as 30s)`);
    const api = createApiClient(v);
    const { delivery } = await api.post<{ delivery: { id: string } }>(
      `/api/topics/${encodeURIComponent(topic)}/subscriptions/${encodeURIComponent(sub)}/test`,
    );
    const d = waitMs > 0 ? await firstOutcome(api, delivery.id, waitMs) : undefined;
    if (!d) {
      const unsent = waitMs > 0 ? `; not sent within ${waitMs / 1000}s` : '';
      cliIo().stdout.write(
        `test notification to ${target} queued as delivery ${delivery.id}${unsent} (see tocsin deliveries list)\n`,
      );
      return waitMs > 0 ? 1 : 0;
    }
    if (d.status === 'delivered') {
      cliIo().stdout.write(`test notification delivered to ${target} (delivery ${d.id})\n`);
      return 0;
    }
    const error = (d.lastError ?? 'no error recorded').replace(/\s+/g, ' ').slice(0, 300);
    const next = d.status === 'dead' ? ' (dead letter)' : '; the outbox retries it';
    cliIo().stderr.write(`tocsin: test notification to ${target} failed: ${error}${next} (delivery ${d.id})\n`);
    return 1;
  },
};

export const subscriptionsCommand = nounCommand(
  'subscriptions',
  'list subscriptions, or send one a test notification',
  { list, test },
  'list',
);
