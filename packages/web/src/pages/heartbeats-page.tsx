import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { PageFilter } from '../components/page-filter.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import type { Heartbeat } from '../core/api-types.js';
import { formatMs } from '../core/format.js';
import { isLifecycle, useLive } from '../core/live-stream.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';

export function scheduleText(h: Heartbeat): string {
  const s = h.spec;
  const when = s.cron ? `${s.cron} (${s.timezone})` : `every ${formatMs(s.period)}`;
  return `${when}, grace ${formatMs(s.grace)}`;
}

const order: Record<string, number> = { DOWN: 0, LATE: 1, STARTED: 2, NEW: 3, UP: 4, PAUSED: 5 };

export function HeartbeatsPage() {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const writer = canWrite(useStore(auth));
  const res = useResource('heartbeats', (signal) =>
    api.get<{ heartbeats: Heartbeat[] }>('/api/heartbeats', { signal }),
  );
  useLive((e) => {
    if (e.kind !== 'change' || e.change.type !== 'heartbeat') return;
    const { name, state } = e.change;
    if (isLifecycle(e.change) || !res.data?.heartbeats.some((h) => h.name === name)) return res.reload();
    // The times (last ping, next expected) change too: fetch them, showing the new state meanwhile.
    res.mutate((d) => ({ heartbeats: d.heartbeats.map((h) => (h.name === name ? { ...h, state } : h)) }));
    res.reload();
  });
  const all = res.data?.heartbeats ?? [];
  const shown = all
    .filter((h) => !q || h.name.toLowerCase().includes(q.toLowerCase()) || h.spec.displayName?.includes(q))
    .sort((a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9) || a.name.localeCompare(b.name));
  return (
    <Page
      title="Heartbeats"
      actions={
        writer && (
          <Link class="button button-primary" href="/heartbeats/new">
            New heartbeat
          </Link>
        )
      }
      description="Jobs that ping Tocsin when they run; a heartbeat goes down when the pings stop."
      loading={!res.data && res.loading}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
      empty={all.length === 0}
      emptyMessage={
        <p>
          No heartbeats yet. Create one with New heartbeat, <code>POST /api/heartbeats</code>, the CLI, or a config
          file's <code>heartbeats:</code> section; then paste its ping URL into the job.
        </p>
      }
    >
      <div class="filters">
        <PageFilter
          id="heartbeat-filter"
          placeholder="Name"
          value={q}
          onInput={(v) => navigate(v ? `/heartbeats?q=${encodeURIComponent(v)}` : '/heartbeats', { replace: true })}
        />
        <span class="count" role="status">
          {shown.length === all.length ? `${all.length} heartbeats` : `${shown.length} of ${all.length} heartbeats`}
        </span>
      </div>
      <DataTable
        caption="Heartbeats"
        rows={shown}
        rowKey={(h) => h.name}
        rowTestId={(h) => `heartbeat-row-${h.name}`}
        empty="No heartbeat matches the filter."
        columns={[
          {
            header: 'Name',
            render: (h) => (
              <>
                <Link href={`/heartbeats/${seg(h.name)}`}>{h.name}</Link>
                {h.spec.displayName && <div class="muted">{h.spec.displayName}</div>}
              </>
            ),
          },
          { header: 'State', render: (h) => <StateBadge state={h.spec.paused ? 'PAUSED' : h.state} /> },
          { header: 'Schedule', render: scheduleText },
          { header: 'Last ping', render: (h) => <Time at={h.lastPingAt} relative /> },
          { header: 'Next expected', render: (h) => <Time at={h.expectedAt} relative /> },
          { header: 'Last reason', render: (h) => <span class="muted">{h.lastReason ?? ''}</span> },
        ]}
      />
    </Page>
  );
}
