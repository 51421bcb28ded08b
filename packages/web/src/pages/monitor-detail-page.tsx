import { useMemo, useState } from 'preact/hooks';
import { type ChartBand, Chart } from '../components/chart.js';
import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { NamedActions, StateChangesTable } from '../components/named-detail.js';
import { EmptyState, ErrorState, LoadingState, Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import type { Monitor, MonitorResult, StateChange } from '../core/api-types.js';
import { formatMs, formatPercent } from '../core/format.js';
import { seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { LocationResults, locationsText } from './monitor-locations.js';
import { tagsOf, targetOf } from './monitor-parts.js';

const ranges = [
  { key: '1h', label: '1 hour', ms: 3_600_000 },
  { key: '24h', label: '24 hours', ms: 86_400_000 },
  { key: '7d', label: '7 days', ms: 7 * 86_400_000 },
] as const;

/** Down periods of the results (oldest first) as chart bands. */
function downBands(results: MonitorResult[]): ChartBand[] {
  const bands: ChartBand[] = [];
  let start: number | undefined;
  for (const r of results) {
    const t = Date.parse(r.at) / 1000;
    if (!r.up && start === undefined) start = t;
    if (r.up && start !== undefined) {
      bands.push({ from: start, to: t, state: 'DOWN' });
      start = undefined;
    }
  }
  if (start !== undefined) bands.push({ from: start, to: Date.now() / 1000, state: 'DOWN' });
  return bands;
}

function LatencyChart({ name }: { name: string }) {
  const [range, setRange] = useState<(typeof ranges)[number]>(ranges[1]);
  const res = useResource(
    `results:${name}:${range.key}`,
    (signal) => {
      const from = new Date(Date.now() - range.ms).toISOString();
      return api.get<{ results: MonitorResult[] }>(
        `/api/monitors/${seg(name)}/results?from=${encodeURIComponent(from)}&limit=5000`,
        { signal },
      );
    },
    { refetchOn: (c) => c.type === 'monitor' && c.name === name },
  );
  const chart = useMemo(() => {
    const rows = [...(res.data?.results ?? [])].reverse();
    const xs = rows.map((r) => Date.parse(r.at) / 1000);
    const ys = rows.map((r) => (r.up ? r.latencyMs : null));
    return { rows, data: [xs, ys] as [number[], (number | null)[]], bands: downBands(rows) };
  }, [res.data]);
  return (
    <Section
      title="Latency"
      actions={
        <fieldset class="pill-row segmented">
          <legend class="visually-hidden">Time range</legend>
          {ranges.map((r) => (
            <button
              type="button"
              key={r.key}
              class="button-small"
              aria-pressed={r.key === range.key}
              onClick={() => setRange(r)}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
      }
    >
      {res.error !== undefined && !res.data ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <LoadingState />
      ) : chart.rows.length === 0 ? (
        <EmptyState>No checks in the last {range.label}.</EmptyState>
      ) : (
        <Chart
          data={chart.data}
          series={[{ label: 'Latency', unit: 'ms' }]}
          bands={chart.bands}
          label={`Latency of ${name} over the last ${range.label}; red bands are down periods`}
        />
      )}
      <RecentResults results={res.data?.results} />
      <StateChanges name={name} />
    </Section>
  );
}

function RecentResults({ results }: { results: MonitorResult[] | undefined }) {
  if (!results) return null;
  return (
    <Section title="Recent results">
      <DataTable
        caption="The last 20 check results, newest first"
        rows={results.slice(0, 20)}
        rowKey={(r) => r.at}
        empty="No results yet."
        columns={[
          { header: 'Time', render: (r) => <Time at={r.at} /> },
          { header: 'Result', render: (r) => <StateBadge state={r.up ? 'UP' : 'DOWN'} /> },
          { header: 'Latency', class: 'num', render: (r) => formatMs(r.latencyMs) },
          { header: 'Status', class: 'num', render: (r) => r.statusCode ?? '—' },
          { header: 'Reason', render: (r) => r.reason ?? '' },
        ]}
      />
    </Section>
  );
}

function StateChanges({ name }: { name: string }) {
  const res = useResource(
    `changes:${name}`,
    async (signal) =>
      (await api.get<{ changes: StateChange[] }>(`/api/monitors/${seg(name)}/changes`, { signal })).changes,
    { refetchOn: (c) => c.type === 'monitor' && c.name === name },
  );
  return (
    <Section title="State changes">
      {res.error !== undefined && <ErrorState error={res.error} onRetry={res.reload} />}
      <StateChangesTable rows={res.data ?? []} empty="No state changes." />
    </Section>
  );
}

const kind = { noun: 'monitor', base: '/monitors' };

export function MonitorDetailPage({ params }: { params: Record<string, string> }) {
  const name = params.name;
  const writer = canWrite(useStore(auth));
  const res = useResource(`monitor:${name}`, (signal) => api.get<Monitor>(`/api/monitors/${seg(name)}`, { signal }), {
    refetchOn: (c) => c.type === 'monitor' && c.name === name,
  });
  const m = res.data;
  return (
    <Page
      title={name}
      loading={!m && res.loading}
      error={m ? undefined : res.error}
      onRetry={res.reload}
      actions={
        m &&
        writer && (
          <NamedActions
            kind={kind}
            name={m.name}
            paused={m.settings.paused}
            reload={res.reload}
            question={
              <p>
                Delete the monitor <strong>{m.name}</strong> and its history? This cannot be undone.
              </p>
            }
          />
        )
      }
    >
      {m && (
        <>
          <div class="cards">
            <div class="card">
              <div class="card-label">State</div>
              <div class="card-value">
                <StateBadge state={m.settings.paused ? 'PAUSED' : m.state} />
              </div>
              <div class="muted">
                since <Time at={m.stateChangedAt} relative />
              </div>
            </div>
            <div class="card">
              <div class="card-label">Uptime 24 h</div>
              <div class="card-value">{formatPercent(m.uptime?.['24h'])}</div>
            </div>
            <div class="card">
              <div class="card-label">Uptime 30 days</div>
              <div class="card-value">{formatPercent(m.uptime?.['30d'])}</div>
            </div>
            <div class="card">
              <div class="card-label">Last check</div>
              <div class="card-value">{formatMs(m.lastResult?.latencyMs)}</div>
              <div class="muted">{m.lastResult?.reason ?? 'not checked yet'}</div>
            </div>
          </div>
          <dl class="facts">
            <dt>Type</dt>
            <dd>{m.type.toUpperCase()}</dd>
            <dt>Target</dt>
            <dd class="break">{targetOf(m)}</dd>
            <dt>Every</dt>
            <dd>
              {formatMs(m.settings.intervalMs)} (timeout {formatMs(m.settings.timeoutMs)}), down after{' '}
              {m.settings.failureThreshold} failed check{m.settings.failureThreshold === 1 ? '' : 's'}
            </dd>
            {m.settings.locations && (
              <>
                <dt>Checked from</dt>
                <dd>{locationsText(m.settings.locations)}</dd>
              </>
            )}
            <dt>Next check</dt>
            <dd>
              <Time at={m.nextCheckAt} />
            </dd>
            {m.settings.description && (
              <>
                <dt>Description</dt>
                <dd>{m.settings.description}</dd>
              </>
            )}
            <dt>Tags</dt>
            <dd>{tagsOf(m).join(', ') || '—'}</dd>
            <dt>Topics</dt>
            <dd>
              {m.settings.topics.length
                ? m.settings.topics.map((t) => (
                    <Link key={t} class="tag" href={`/topics/${seg(t)}`}>
                      {t}
                    </Link>
                  ))
                : '—'}
            </dd>
          </dl>
          <LocationResults monitor={m} />
          <LatencyChart name={name} />
        </>
      )}
    </Page>
  );
}
