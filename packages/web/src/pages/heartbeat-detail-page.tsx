import { Fragment } from 'preact';
import { useMemo } from 'preact/hooks';
import { Chart } from '../components/chart.js';
import { CopyButton } from '../components/copy-button.js';
import { DataTable } from '../components/data-table.js';
import { NamedActions, StateChangesTable } from '../components/named-detail.js';
import { EmptyState, ErrorState, LoadingState, Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import type { Heartbeat, Ping, Run, StateChange } from '../core/api-types.js';
import { formatMs } from '../core/format.js';
import { seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { pingSnippets } from './heartbeat-snippets.js';
import { scheduleText } from './heartbeats-page.js';

function PingUrls({ h }: { h: Heartbeat }) {
  const urls = [{ label: 'Ping URL', url: h.pingUrl }, ...(h.slugUrl ? [{ label: 'By slug', url: h.slugUrl }] : [])];
  return (
    <Section title="Ping URLs">
      <dl class="facts">
        {urls.map((u) => (
          <Fragment key={u.label}>
            <dt>{u.label}</dt>
            <dd class="code-line">
              <code class="break">{u.url}</code>
              <CopyButton text={u.url} label={`Copy ${u.label.toLowerCase()}`} />
            </dd>
          </Fragment>
        ))}
      </dl>
      {pingSnippets(h.pingUrl, h.spec.cron).map((s) => (
        <div key={s.label} class="field">
          <span class="label muted">{s.label}</span>
          <div class="code-line">
            <pre>{s.text}</pre>
            <CopyButton text={s.text} label="Copy line" />
          </div>
        </div>
      ))}
    </Section>
  );
}

function Schedule({ h }: { h: Heartbeat }) {
  return (
    <Section title="Schedule">
      <p>
        {scheduleText(h)}
        {h.spec.maxRuntime ? `; runs longer than ${formatMs(h.spec.maxRuntime)} fail` : ''}
        {h.spec.failureTolerance > 1 ? `; down on the ${h.spec.failureTolerance}th bad run in a row` : ''}.
      </p>
      {h.nextExpected.length === 0 ? (
        <p class="muted">{h.state === 'PAUSED' ? 'Paused: no runs are expected.' : 'No more runs are expected.'}</p>
      ) : (
        <>
          <p class="muted">Next expected runs, in the heartbeat's time zone ({h.spec.timezone}):</p>
          <ol data-testid="next-expected">
            {h.nextExpected.map((t) => (
              <li key={t}>
                <Time at={t} zone={h.spec.timezone} />
              </li>
            ))}
          </ol>
        </>
      )}
    </Section>
  );
}

function useList<T>(name: string, what: 'pings' | 'runs' | 'changes') {
  return useResource(
    `${what}:${name}`,
    async (signal) =>
      (await api.get<Record<string, T[]>>(`/api/heartbeats/${seg(name)}/${what}?limit=100`, { signal }))[what],
    { refetchOn: (c) => c.type === 'heartbeat' && c.name === name },
  );
}

function Pings({ name }: { name: string }) {
  const res = useList<Ping>(name, 'pings');
  if (res.error !== undefined && !res.data) return <ErrorState error={res.error} onRetry={res.reload} />;
  if (!res.data) return <LoadingState />;
  return (
    <DataTable
      caption="Pings, newest first"
      rows={res.data}
      rowKey={(p) => p.id}
      empty="No pings yet: run the job, or paste the ping line into it."
      columns={[
        { header: 'Time', render: (p) => <Time at={p.at} /> },
        { header: 'Kind', render: (p) => p.kind + (p.exitStatus !== null ? ` (exit ${p.exitStatus})` : '') },
        { header: 'Run time', class: 'num', render: (p) => formatMs(p.durationMs) },
        { header: 'From', render: (p) => <span title={p.userAgent ?? ''}>{p.remoteAddr ?? '—'}</span> },
        {
          header: 'Body',
          render: (p) =>
            p.body ? (
              <details>
                <summary>
                  {p.body.length} characters{p.bodyTruncated ? ' (truncated)' : ''}
                </summary>
                <pre>{p.body}</pre>
              </details>
            ) : (
              <span class="muted">—</span>
            ),
        },
      ]}
    />
  );
}

function Runs({ name }: { name: string }) {
  const res = useList<Run>(name, 'runs');
  const data = useMemo(() => {
    const rows = [...(res.data ?? [])].filter((r) => r.durationMs !== null).reverse();
    return [rows.map((r) => Date.parse(r.finishedAt) / 1000), rows.map((r) => r.durationMs)] as [
      number[],
      (number | null)[],
    ];
  }, [res.data]);
  if (res.error !== undefined && !res.data) return <ErrorState error={res.error} onRetry={res.reload} />;
  if (!res.data) return <LoadingState />;
  return (
    <>
      {data[0].length > 0 ? (
        <Chart
          data={data}
          series={[{ label: 'Run time', unit: 'ms', points: data[0].length < 3 }]}
          label={`Run times of ${name}`}
          height={200}
        />
      ) : (
        <EmptyState>No timed runs yet: ping /start before the job and the result after it.</EmptyState>
      )}
      <DataTable
        caption="Runs, newest first"
        rows={res.data}
        rowKey={(r) => `${r.finishedAt}-${r.rid ?? ''}`}
        empty="No runs yet."
        columns={[
          { header: 'Finished', render: (r) => <Time at={r.finishedAt} /> },
          {
            header: 'Result',
            render: (r) => <StateBadge state={r.result === 'success' ? 'UP' : 'DOWN'} label={r.result} />,
          },
          { header: 'Run time', class: 'num', render: (r) => formatMs(r.durationMs) },
          { header: 'Exit status', class: 'num', render: (r) => r.exitStatus ?? '—' },
        ]}
      />
    </>
  );
}

function Changes({ name }: { name: string }) {
  const res = useList<StateChange>(name, 'changes');
  if (res.error !== undefined && !res.data) return <ErrorState error={res.error} onRetry={res.reload} />;
  if (!res.data) return <LoadingState />;
  return <StateChangesTable rows={res.data} />;
}

const kind = { noun: 'heartbeat', base: '/heartbeats' };

export function HeartbeatDetailPage({ params }: { params: Record<string, string> }) {
  const name = params.name;
  const writer = canWrite(useStore(auth));
  const res = useResource(
    `heartbeat:${name}`,
    (signal) => api.get<Heartbeat>(`/api/heartbeats/${seg(name)}`, { signal }),
    {
      refetchOn: (c) => c.type === 'heartbeat' && c.name === name,
    },
  );
  const h = res.data;
  return (
    <Page
      title={name}
      loading={!h && res.loading}
      error={h ? undefined : res.error}
      onRetry={res.reload}
      actions={
        h &&
        writer && (
          <NamedActions
            kind={kind}
            name={h.name}
            paused={h.spec.paused || h.state === 'PAUSED'}
            reload={res.reload}
            question={
              <p>
                Delete the heartbeat <strong>{h.name}</strong>? Its ping URL stops working.
              </p>
            }
          />
        )
      }
    >
      {h && (
        <>
          <div class="cards">
            <div class="card">
              <div class="card-label">State</div>
              <div class="card-value">
                <StateBadge state={h.spec.paused ? 'PAUSED' : h.state} />
              </div>
              <div class="muted">{h.lastReason ?? ''}</div>
            </div>
            <div class="card">
              <div class="card-label">Last ping</div>
              <div class="card-value">
                <Time at={h.lastPingAt} relative />
              </div>
            </div>
            <div class="card">
              <div class="card-label">Next expected</div>
              <div class="card-value">
                <Time at={h.expectedAt} relative />
              </div>
            </div>
          </div>
          {h.spec.description && <p>{h.spec.description}</p>}
          <div class="split">
            <PingUrls h={h} />
            <Schedule h={h} />
          </div>
          <Section title="Runs">
            <Runs name={name} />
          </Section>
          <Section title="Pings">
            <Pings name={name} />
          </Section>
          <Section title="State changes">
            <Changes name={name} />
          </Section>
        </>
      )}
    </Page>
  );
}
