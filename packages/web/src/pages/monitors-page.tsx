import { useEffect, useMemo } from 'preact/hooks';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { PageFilter } from '../components/page-filter.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { VirtualList } from '../components/virtual-list.js';
import { api } from '../core/api-client.js';
import type { Monitor } from '../core/api-types.js';
import { formatMs, formatPercent } from '../core/format.js';
import { isLifecycle, useLive } from '../core/live-stream.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { RecentBars, RecentChecks, tagsOf, targetOf } from './monitor-parts.js';

const ROW = 44;
const states = ['', 'DOWN', 'UP', 'PENDING', 'PAUSED'];

interface Filter {
  q: string;
  state: string;
  tag: string;
}

function matches(m: Monitor, f: Filter): boolean {
  if (f.state && (f.state === 'PAUSED' ? !m.settings.paused : m.state !== f.state)) return false;
  if (f.tag) {
    const [k, v] = f.tag.split('=', 2);
    const tv = m.settings.tags[k.trim()];
    if (tv === undefined || (v !== undefined && tv !== v.trim())) return false;
  }
  if (f.q) {
    const q = f.q.toLowerCase();
    if (!m.name.toLowerCase().includes(q) && !targetOf(m).toLowerCase().includes(q)) return false;
  }
  return true;
}

/** Down first, then pending, then by name. */
function rank(m: Monitor): number {
  return m.state === 'DOWN' ? 0 : m.state === 'PENDING' ? 1 : 2;
}

interface Recent {
  keep: number;
  monitors: Record<string, { latencyMs: number[]; up: boolean[]; lastAt: string | null }>;
}

/**
 * Every monitor's last checks in one request (GET /api/monitors-recent), for the sparklines and bars: no request per
 * row, and every 30 s rather than after each live change (the badges follow the stream; at 10,000 monitors this
 * answer is megabytes to build, and a flapping fleet would have every open list ask for it a few times a second).
 */
function useRecent() {
  const res = useResource('monitors-recent', (signal) => api.get<Recent>('/api/monitors-recent', { signal }));
  const { reload } = res;
  useEffect(() => {
    const timer = window.setInterval(reload, 30_000);
    return () => window.clearInterval(timer);
  }, [reload]);
  return res.data?.monitors;
}

export function MonitorsPage() {
  const { search } = useLocation();
  const filter: Filter = { q: search.get('q') ?? '', state: search.get('state') ?? '', tag: search.get('tag') ?? '' };
  const writer = canWrite(useStore(auth));
  const res = useResource('monitors', (signal) => api.get<{ monitors: Monitor[] }>('/api/monitors', { signal }));
  const recent = useRecent();

  useLive((e) => {
    if (e.kind !== 'change' || e.change.type !== 'monitor') return;
    const { name, state } = e.change;
    if (state === 'deleted') return res.mutate((d) => ({ monitors: d.monitors.filter((m) => m.name !== name) }));
    // A new or edited monitor's settings are not on the stream: read the list again.
    if (isLifecycle(e.change) || !res.data?.monitors.some((m) => m.name === name)) return res.reload();
    res.mutate((d) => ({ monitors: d.monitors.map((m) => (m.name === name ? { ...m, state } : m)) }));
  });

  const all = res.data?.monitors ?? [];
  const shown = useMemo(
    () => all.filter((m) => matches(m, filter)).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)),
    [all, filter.q, filter.state, filter.tag],
  );
  const setFilter = (key: keyof Filter, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    const qs = next.toString();
    navigate(`/monitors${qs ? `?${qs}` : ''}`, { replace: true });
  };
  const down = all.filter((m) => m.state === 'DOWN').length;

  return (
    <Page
      title="Monitors"
      actions={
        writer && (
          <Link class="button button-primary" href="/monitors/new">
            New monitor
          </Link>
        )
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
      empty={all.length === 0}
      emptyMessage={
        <p>
          No monitors yet. {writer ? <Link href="/monitors/new">Create the first one</Link> : 'An editor can add some'},
          or apply a config file with a <code>monitors:</code> section.
        </p>
      }
    >
      <div class="filters">
        <PageFilter
          id="monitor-filter"
          placeholder="Name or target"
          value={filter.q}
          onInput={(v) => setFilter('q', v)}
        />
        <div class="field">
          <label for="monitor-state">State</label>
          <select
            id="monitor-state"
            value={filter.state}
            onChange={(e) => setFilter('state', (e.currentTarget as HTMLSelectElement).value)}
          >
            {states.map((s) => (
              <option key={s} value={s}>
                {s || 'Any'}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="monitor-tag">Tag</label>
          <input
            id="monitor-tag"
            placeholder="env=prod"
            value={filter.tag}
            onInput={(e) => setFilter('tag', (e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <span class="count" role="status">
          {shown.length === all.length ? `${all.length} monitors` : `${shown.length} of ${all.length} monitors`}
          {down > 0 && `, ${down} down`}
        </span>
      </div>
      {shown.length === 0 ? (
        <p class="state state-empty">No monitor matches the filter.</p>
      ) : (
        <VirtualList
          items={shown}
          rowHeight={ROW}
          label="Monitors"
          rowKey={(m) => m.name}
          rowTestId={(m) => `monitor-row-${m.name}`}
          rowClass="monitor-grid"
          header={
            <div class="monitor-grid" style={{ height: '2rem' }}>
              <span>Name</span>
              <span>State</span>
              <span>Latency</span>
              <span class="col-wide">Recent checks</span>
              <span class="col-wide">Uptime 24 h</span>
              <span class="col-wide">Target</span>
            </div>
          }
          renderRow={(m) => (
            <>
              <span>
                <Link href={`/monitors/${seg(m.name)}`}>{m.name}</Link>
                {tagsOf(m).map((t) => (
                  <span key={t} class="tag">
                    {t}
                  </span>
                ))}
              </span>
              <span>
                <StateBadge state={m.settings.paused ? 'PAUSED' : m.state} />
              </span>
              <span title={m.lastResult?.reason ?? undefined}>{formatMs(m.lastResult?.latencyMs)}</span>
              <span class="col-wide">
                <RecentChecks values={recent?.[m.name]?.latencyMs} />
              </span>
              <span class="col-wide">
                <RecentBars up={recent?.[m.name]?.up} width={64} /> {formatPercent(m.uptime?.['24h'])}
              </span>
              <span class="col-wide muted" title={targetOf(m)}>
                {targetOf(m)} · <Time at={m.lastCheckAt} relative />
              </span>
            </>
          )}
        />
      )}
    </Page>
  );
}
