import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import { isLifecycle, useLive } from '../core/live-stream.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { AlarmForm } from './alarm-form.js';
import { type AlarmView, dimensionsText } from './alarm-form-values.js';

const rank = (s: string) => (s === 'ALARM' ? 0 : s === 'INSUFFICIENT_DATA' ? 1 : 2);

function whatOf(a: AlarmView): string {
  const s = a.spec;
  if (s.rule !== undefined) return s.rule;
  const dims = dimensionsText(s.dimensions);
  const metric = `${s.namespace}/${s.metricName}${dims ? ` (${dims})` : ''}`;
  return `${s.statistic} of ${metric} ${s.comparisonOperator} ${s.threshold}`;
}

/** Alarms, ALARM first, with their state kept live; the create form at ?new=metric|composite. */
export function AlarmsPage() {
  const { search } = useLocation();
  const writer = canWrite(useStore(auth));
  const res = useResource('alarms', (signal) => api.get<{ alarms: AlarmView[] }>('/api/alarms', { signal }));
  useLive((e) => {
    if (e.kind !== 'change' || e.change.type !== 'alarm') return;
    const { name, state, at } = e.change;
    if (isLifecycle(e.change) || !res.data?.alarms.some((a) => a.name === name)) return res.reload();
    const reason = typeof e.change.reason === 'string' ? e.change.reason : undefined;
    const since = new Date(at).toISOString();
    res.mutate((d) => ({
      alarms: d.alarms.map((a) =>
        a.name === name ? { ...a, state, stateChangedAt: since, reason: reason ?? a.reason } : a,
      ),
    }));
  });
  const creating = writer && search.has('new');
  const alarms = [...(res.data?.alarms ?? [])].sort(
    (a, b) => rank(a.state) - rank(b.state) || a.name.localeCompare(b.name),
  );
  return (
    <Page
      title="Alarms"
      actions={
        writer &&
        !creating && (
          <>
            <Link class="button button-primary" href="/alarms?new=metric">
              New alarm
            </Link>
            <Link class="button" href="/alarms?new=composite">
              New composite
            </Link>
          </>
        )
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      {creating && (
        <Section title="New alarm">
          <AlarmForm
            key={search.toString()}
            query={search}
            onSaved={(a) => navigate(`/alarms/${seg(a.name)}`)}
            onCancel={() => navigate('/alarms', { replace: true })}
          />
        </Section>
      )}
      <DataTable
        caption="Alarms"
        rows={alarms}
        rowKey={(a) => a.name}
        rowTestId={(a) => `alarm-row-${a.name}`}
        empty={
          <>
            No alarms yet.{' '}
            {writer ? 'Create one here, or from a chart on the Metrics page.' : 'An editor can add some.'}
          </>
        }
        columns={[
          { header: 'Name', render: (a) => <Link href={`/alarms/${seg(a.name)}`}>{a.name}</Link> },
          { header: 'State', render: (a) => <StateBadge state={a.state} /> },
          { header: 'Since', render: (a) => <Time at={a.stateChangedAt} relative /> },
          { header: 'Watches', render: (a) => <span class="muted">{whatOf(a)}</span> },
          { header: 'Reason', render: (a) => <span class="muted">{a.reason ?? '—'}</span> },
        ]}
      />
    </Page>
  );
}
