import { useMemo, useRef, useState } from 'preact/hooks';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { VirtualList } from '../components/virtual-list.js';
import { api } from '../core/api-client.js';
import type { Monitor, MonitorResult } from '../core/api-types.js';
import { formatMs, formatPercent } from '../core/format.js';
import { useLive } from '../core/live-stream.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { RecentBars, RecentChecks, tagsOf, targetOf } from './monitor-parts.js';

const ROW = 44;
const RECENT = 30;
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

/** Fetches the recent results of the rows in view, a few at a time, and keeps them until a change says otherwise. */
function useRecentResults(monitors: Monitor[] | undefined) {
  const [recent, setRecent] = useState<Record<string, MonitorResult[]>>({});
  const asked = useRef(new Set<string>());
  const load = async (names: string[]) => {
    const todo = names.filter((n) => !asked.current.has(n));
    for (const n of todo) asked.current.add(n);
    const queue = [...todo];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        try {
          const { results } = await api.get<{ results: MonitorResult[] }>(
            `/api/monitors/${seg(name)}/results?limit=${RECENT}`,
          );
          setRecent((r) => ({ ...r, [name]: results }));
        } catch {
          asked.current.delete(name);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  };
  const forget = (name: string) => asked.current.delete(name);
  const fromList = (m: Monitor) => recent[m.name];
  return { load, forget, fromList, ready: monitors !== undefined };
}

export function MonitorsPage() {
  const { search } = useLocation();
  const filter: Filter = { q: search.get('q') ?? '', state: search.get('state') ?? '', tag: search.get('tag') ?? '' };
  const writer = canWrite(useStore(auth));
  const res = useResource('monitors', (signal) => api.get<{ monitors: Monitor[] }>('/api/monitors', { signal }));
  const recent = useRecentResults(res.data?.monitors);

  useLive((e) => {
    if (e.kind !== 'change' || e.change.type !== 'monitor') return;
    const { name, state } = e.change;
    if (!res.data?.monitors.some((m) => m.name === name)) return res.reload();
    recent.forget(name);
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
        <div class="field">
          <label for="monitor-filter">Filter</label>
          <input
            id="monitor-filter"
            type="search"
            data-page-filter
            placeholder="Name or target (press /)"
            value={filter.q}
            onInput={(e) => setFilter('q', (e.currentTarget as HTMLInputElement).value)}
          />
        </div>
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
          onVisible={(items) => void recent.load(items.map((m) => m.name))}
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
                <RecentChecks results={recent.fromList(m)} values={m.sparkline} />
              </span>
              <span class="col-wide">
                <RecentBars results={recent.fromList(m)} width={64} /> {formatPercent(m.uptime?.['24h'])}
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
