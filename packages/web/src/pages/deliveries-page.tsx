import { useMemo, useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api, errorMessage } from '../core/api-client.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import type { TopicView } from './topic-types.js';

interface Delivery {
  id: string;
  status: 'pending' | 'delivered' | 'dead';
  purpose: string;
  topic: string;
  subscription: string;
  protocol: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: string;
  deliveredAt: string | null;
}

const PAGE = 200;
const sinceOptions = [
  { value: '', label: 'Any time' },
  { value: '3600000', label: 'Last hour' },
  { value: '86400000', label: 'Last 24 hours' },
  { value: '604800000', label: 'Last 7 days' },
];

/** Deliveries newest first, filtered by topic, state and time; replay one, or every dead letter of the filter. */
export function DeliveriesPage() {
  const { search } = useLocation();
  const writer = canWrite(useStore(auth));
  const status = search.get('status') ?? '';
  const topic = search.get('topic') ?? '';
  const since = search.get('since') ?? '';
  const [before, setBefore] = useState<string[]>([]);
  // Deliveries whose replay is on its way: the button is disabled, so a double click sends one replay.
  const [replaying, setReplaying] = useState<ReadonlySet<string>>(new Set());
  const cursor = before[before.length - 1];
  // The time filter is a window back from when it was chosen; the server filters (?since=, epoch ms).
  const sinceAt = useMemo(() => (since ? Date.now() - Number(since) : 0), [since]);
  const qs = new URLSearchParams({ limit: String(PAGE) });
  if (status) qs.set('status', status);
  if (topic) qs.set('topic', topic);
  if (sinceAt) qs.set('since', String(sinceAt));
  if (cursor) qs.set('before', cursor);
  const res = useResource(
    `deliveries:${qs}`,
    (signal) => api.get<{ deliveries: Delivery[] }>(`/api/deliveries?${qs}`, { signal }),
    { refetchOn: (c) => c.type === 'delivery' && !cursor },
  );
  const topics = useResource('topics', (signal) => api.get<{ topics: TopicView[] }>('/api/topics', { signal }));
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setBefore([]);
    navigate(`/deliveries${next.toString() ? `?${next}` : ''}`, { replace: true });
  };
  const all = res.data?.deliveries ?? [];
  const replay = async (d: Delivery) => {
    if (replaying.has(d.id)) return;
    setReplaying((r) => new Set(r).add(d.id));
    try {
      await api.post(`/api/deliveries/${seg(d.id)}/replay`);
      toast(`Delivery ${d.id} queued again.`);
      res.reload();
    } catch (err) {
      toast(errorMessage(err), 'error');
    } finally {
      setReplaying((r) => {
        const next = new Set(r);
        next.delete(d.id);
        return next;
      });
    }
  };
  const replayAll = async () => {
    const q = topic ? `?topic=${encodeURIComponent(topic)}` : '';
    const r = await api.post<{ replayed: number; skipped: number }>(`/api/deliveries/replay${q}`);
    const skipped = r.skipped ? `; ${r.skipped} of deleted subscriptions skipped` : '';
    toast(`${r.replayed} dead letter${r.replayed === 1 ? '' : 's'} queued again${skipped}.`);
    res.reload();
  };
  return (
    <Page
      title="Deliveries"
      actions={
        writer && (
          <ConfirmButton
            label={topic ? `Replay the dead letters of ${topic}` : 'Replay all dead letters'}
            question="Send every dead delivery again (those of deleted subscriptions are skipped)?"
            confirmLabel="Replay"
            onConfirm={replayAll}
          />
        )
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      <div class="filters">
        <div class="field">
          <label for="delivery-topic">Topic</label>
          <select id="delivery-topic" value={topic} onChange={(e) => setFilter('topic', e.currentTarget.value)}>
            <option value="">Any</option>
            {(topics.data?.topics ?? []).map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="delivery-status">State</label>
          <select id="delivery-status" value={status} onChange={(e) => setFilter('status', e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="pending">pending</option>
            <option value="delivered">delivered</option>
            <option value="dead">dead (dead letters)</option>
          </select>
        </div>
        <div class="field">
          <label for="delivery-since">Time</label>
          <select id="delivery-since" value={since} onChange={(e) => setFilter('since', e.currentTarget.value)}>
            {sinceOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <span class="count" role="status">
          {all.length} deliveries{cursor ? ' (older page)' : ''}
        </span>
      </div>
      <DataTable
        caption="Deliveries, newest first"
        rows={all}
        rowKey={(d) => d.id}
        rowTestId={(d) => `delivery-row-${d.id}`}
        empty="No deliveries match."
        columns={[
          { header: 'Created', render: (d) => <Time at={d.createdAt} relative /> },
          { header: 'State', render: (d) => <StateBadge state={d.status} /> },
          { header: 'Topic', render: (d) => <Link href={`/topics/${seg(d.topic)}`}>{d.topic}</Link> },
          { header: 'Subscription', render: (d) => `${d.subscription} (${d.protocol})` },
          { header: 'Purpose', render: (d) => d.purpose },
          { header: 'Attempts', class: 'num', render: (d) => d.attempts },
          {
            header: 'Last error',
            render: (d) => (
              <span class="muted">
                {d.lastStatus ? `${d.lastStatus} ` : ''}
                {d.lastError ?? (d.deliveredAt ? 'delivered' : '—')}
              </span>
            ),
          },
          ...(writer
            ? [
                {
                  header: 'Replay',
                  render: (d: Delivery) =>
                    d.status === 'pending' ? null : (
                      <button
                        type="button"
                        class="button-small"
                        disabled={replaying.has(d.id)}
                        aria-busy={replaying.has(d.id)}
                        onClick={() => replay(d)}
                      >
                        Replay
                      </button>
                    ),
                },
              ]
            : []),
        ]}
      />
      <div class="form-actions">
        {before.length > 0 && (
          <button type="button" onClick={() => setBefore(before.slice(0, -1))}>
            Newer
          </button>
        )}
        {all.length === PAGE && (
          <button type="button" onClick={() => setBefore([...before, all[all.length - 1].id])}>
            Older
          </button>
        )}
      </div>
    </Page>
  );
}
