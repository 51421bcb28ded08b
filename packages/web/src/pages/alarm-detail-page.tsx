import { useState } from 'preact/hooks';
import { type ChartBand, Chart } from '../components/chart.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Field, Form, type SchemaLike, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { EmptyState, ErrorState, LoadingState, Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { navigate, seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import type { RouteParams } from '../routes.js';
import { AlarmForm } from './alarm-form.js';
import { type AlarmSpecView, type AlarmView, dimensionsText, ruleAlarmNames } from './alarm-form-values.js';
import { queryMetric, ranges } from './metric-query.js';

interface HistoryItem {
  at: string;
  kind: string;
  oldState: string | null;
  newState: string | null;
  summary: string;
}

const alarmStates = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
/** The API's check of PUT /api/alarms/{name}/state: a reason of 1 to 1024 characters. */
const setStateSchema: SchemaLike = {
  safeParse: (v) => {
    const reason = String((v as { reason?: string }).reason ?? '').trim();
    if (reason.length > 0 && reason.length <= 1024) return { success: true };
    return {
      success: false,
      error: { issues: [{ path: ['reason'], message: 'say why, in at most 1024 characters' }] },
    };
  },
};

/** The states over the range as bands: from each change (oldest first) to the next, the last one until now. */
function stateBands(history: HistoryItem[], from: number, current: string): ChartBand[] {
  const changes = history.filter((h) => h.newState).sort((a, b) => a.at.localeCompare(b.at));
  const bands: ChartBand[] = [];
  let state = changes.find((c) => Date.parse(c.at) >= from)?.oldState ?? current;
  let start = from;
  for (const c of changes) {
    const t = Date.parse(c.at);
    if (t < from) {
      state = c.newState as string;
      continue;
    }
    bands.push({ from: start / 1000, to: t / 1000, state });
    state = c.newState as string;
    start = t;
  }
  bands.push({ from: start / 1000, to: Date.now() / 1000, state });
  return bands;
}

function MetricChart({ spec, history, state }: { spec: AlarmSpecView; history: HistoryItem[]; state: string }) {
  const [range, setRange] = useState(ranges[2].value);
  const period = Math.max(10, (spec.period ?? 60_000) / 1000);
  const ref = { namespace: spec.namespace ?? '', metricName: spec.metricName ?? '', dimensions: spec.dimensions ?? {} };
  const key = `alarm-chart:${JSON.stringify(ref)}:${spec.statistic}:${period}:${range}`;
  const res = useResource(key, (signal) =>
    queryMetric(
      { ...ref, statistic: spec.statistic ?? 'Average', period, from: Date.now() - range, to: Date.now() },
      signal,
    ),
  );
  const from = Date.now() - range;
  return (
    <Section
      title="Metric"
      actions={
        <div class="field">
          <label for="alarm-range">Range</label>
          <select id="alarm-range" value={String(range)} onChange={(e) => setRange(Number(e.currentTarget.value))}>
            {ranges.map((r) => (
              <option key={r.value} value={String(r.value)}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
      }
    >
      {res.error ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <LoadingState />
      ) : (
        <Chart
          data={res.data}
          series={[{ label: spec.statistic ?? 'value' }]}
          label={`${spec.statistic} of ${spec.metricName}, the threshold ${spec.threshold} and the alarm's states`}
          threshold={spec.threshold !== undefined ? { value: spec.threshold } : undefined}
          bands={stateBands(history, from, state)}
          yMin={null}
        />
      )}
      <p class="muted">
        Bands: green OK, red ALARM, grey INSUFFICIENT_DATA. Dashed line: the threshold,{' '}
        {`${spec.comparisonOperator} ${spec.threshold}`}.
      </p>
    </Section>
  );
}

function SetState({ name, onDone }: { name: string; onDone: () => void }) {
  const form = useForm({
    initial: { state: 'ALARM', reason: '' },
    schema: setStateSchema,
    onSubmit: async (body) => {
      await api.put(`/api/alarms/${seg(name)}/state`, body);
      toast('State set; the next evaluation decides again.');
      onDone();
    },
  });
  return (
    <Form form={form} submitLabel="Set state">
      <div class="form-grid">
        <Field form={form} name="state" label="State" type="select" options={alarmStates} />
        <Field form={form} name="reason" label="Reason" required hint="Shown in the history and the notifications." />
      </div>
    </Form>
  );
}

function Composite({ rule }: { rule: string }) {
  const all = useResource('alarms', (signal) => api.get<{ alarms: AlarmView[] }>('/api/alarms', { signal }), {
    refetchOn: (c) => c.type === 'alarm',
  });
  const names = ruleAlarmNames(rule);
  const stateOf = (n: string) => all.data?.alarms.find((a) => a.name === n)?.state;
  return (
    <Section title="Rule">
      <p>
        <code>{rule}</code>
      </p>
      <ul class="problems">
        {names.map((n) => (
          <li key={n}>
            {stateOf(n) ? <StateBadge state={stateOf(n) as string} /> : <span class="muted">missing</span>}
            <Link href={`/alarms/${seg(n)}`}>{n}</Link>
          </li>
        ))}
      </ul>
    </Section>
  );
}

/** An alarm: state, chart with threshold and state bands (or a composite's rule), history, set state, edit, delete. */
export function AlarmDetailPage({ params }: { params: RouteParams }) {
  const name = params.name;
  const writer = canWrite(useStore(auth));
  const [editing, setEditing] = useState(false);
  const live = { refetchOn: (c: { type: string; name: string }) => c.type === 'alarm' && c.name === name };
  const res = useResource(`alarm:${name}`, (s) => api.get<AlarmView>(`/api/alarms/${seg(name)}`, { signal: s }), live);
  const hist = useResource(
    `alarm-history:${name}`,
    (s) => api.get<{ history: HistoryItem[] }>(`/api/alarms/${seg(name)}/history`, { signal: s }),
    live,
  );
  const a = res.data;
  const reload = () => {
    res.reload();
    hist.reload();
  };
  const s = a?.spec;
  return (
    <Page
      title={name}
      loading={!a && res.loading}
      error={a ? undefined : res.error}
      onRetry={res.reload}
      actions={
        writer &&
        a && (
          <>
            <button type="button" onClick={() => setEditing(!editing)}>
              {editing ? 'Close the form' : 'Edit'}
            </button>
            <ConfirmButton
              label="Delete"
              danger
              question={`Delete the alarm ${name} and its history?`}
              onConfirm={async () => {
                await api.del(`/api/alarms/${seg(name)}`);
                toast(`Alarm ${name} deleted.`);
                navigate('/alarms');
              }}
            />
          </>
        )
      }
    >
      {a && s && (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <StateBadge state={a.state} /> since <Time at={a.stateChangedAt} relative />
            </dd>
            <dt>Reason</dt>
            <dd>{a.reason ?? '—'}</dd>
            {s.description && (
              <>
                <dt>Description</dt>
                <dd>{s.description}</dd>
              </>
            )}
            {s.rule === undefined && (
              <>
                <dt>Metric</dt>
                <dd>
                  {s.statistic} of {s.namespace}/{s.metricName} {dimensionsText(s.dimensions)} per{' '}
                  {(s.period ?? 0) / 1000} s
                </dd>
                <dt>Condition</dt>
                <dd>
                  {s.comparisonOperator} {s.threshold} for {s.datapointsToAlarm ?? s.evaluationPeriods} of{' '}
                  {s.evaluationPeriods} periods; missing data: {s.treatMissingData}
                </dd>
              </>
            )}
            <dt>Actions</dt>
            <dd>{s.actionsEnabled === false ? 'disabled' : 'enabled'}</dd>
          </dl>
          {editing && (
            <Section title="Edit">
              <AlarmForm
                spec={s}
                onSaved={() => {
                  setEditing(false);
                  reload();
                }}
                onCancel={() => setEditing(false)}
              />
            </Section>
          )}
          {s.rule !== undefined ? (
            <Composite rule={s.rule} />
          ) : (
            <MetricChart spec={s} history={hist.data?.history ?? []} state={a.state} />
          )}
          {writer && (
            <Section title="Set the state by hand">
              <SetState name={name} onDone={reload} />
            </Section>
          )}
          <Section title="History">
            {hist.error ? (
              <ErrorState error={hist.error} onRetry={hist.reload} />
            ) : !hist.data ? (
              <LoadingState />
            ) : hist.data.history.length === 0 ? (
              <EmptyState>No state change or action yet.</EmptyState>
            ) : (
              <DataTable
                caption="History, newest first"
                rows={hist.data.history}
                rowKey={(h) => `${h.at}-${h.kind}-${h.summary}`}
                columns={[
                  { header: 'When', render: (h) => <Time at={h.at} /> },
                  { header: 'Kind', render: (h) => h.kind },
                  {
                    header: 'Change',
                    render: (h) =>
                      h.newState ? (
                        <>
                          {h.oldState ?? '—'} → <StateBadge state={h.newState} />
                        </>
                      ) : (
                        '—'
                      ),
                  },
                  { header: 'Summary', render: (h) => <span class="muted">{h.summary}</span> },
                ]}
              />
            )}
          </Section>
        </>
      )}
    </Page>
  );
}
