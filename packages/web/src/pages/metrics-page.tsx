import { useState } from 'preact/hooks';
import { Chart } from '../components/chart.js';
import { Link } from '../components/link.js';
import { EmptyState, ErrorState, LoadingState, Page, Section } from '../components/page.js';
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { alarmFormHref, periods, queryMetric, ranges, statistics } from './metric-query.js';

interface NamespaceInfo {
  namespace: string;
  metrics: number;
  series: number;
}

interface MetricInfo {
  name: string;
  series: number;
  dimensions: Record<string, string[]>;
}

function Select(props: {
  id: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (v: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

const opts = (values: string[]) => values.map((v) => ({ value: v, label: v }));

/** Explore a namespace's metrics: pick metric, dimensions, statistic, period and range; chart; make an alarm. */
export function MetricsPage() {
  const writer = canWrite(useStore(auth));
  const spaces = useResource('metric-namespaces', (signal) =>
    api.get<{ namespaces: NamespaceInfo[] }>('/api/metrics/namespaces', { signal }),
  );
  const [namespace, setNamespace] = useState('');
  const ns = namespace || spaces.data?.namespaces[0]?.namespace || '';
  const metrics = useResource(`metrics:${ns}`, (signal) =>
    ns
      ? api.get<{ metrics: MetricInfo[] }>(`/api/metrics/namespaces/${seg(ns)}`, { signal })
      : Promise.resolve({ metrics: [] }),
  );
  const [metricName, setMetricName] = useState('');
  const metric = metrics.data?.metrics.find((m) => m.name === metricName) ?? metrics.data?.metrics[0];
  const [dims, setDims] = useState<Record<string, string>>({});
  const [statistic, setStatistic] = useState('Average');
  const [period, setPeriod] = useState(60);
  const [range, setRange] = useState(ranges[1].value);
  // A series is named by its exact dimensions (as in CloudWatch): each key of this metric takes one of its values
  // (the first by default), or none.
  const dimensions: Record<string, string> = {};
  for (const [k, values] of Object.entries(metric?.dimensions ?? {})) {
    const v = dims[k] ?? values[0];
    if (v && values.includes(v)) dimensions[k] = v;
  }
  const query = metric && { namespace: ns, metricName: metric.name, dimensions, statistic, period };
  const key = query ? JSON.stringify({ ...query, range }) : 'none';
  const series = useResource(`metric-query:${key}`, (signal) =>
    query ? queryMetric({ ...query, from: Date.now() - range, to: Date.now() }, signal) : Promise.resolve(undefined),
  );
  const empty = spaces.data?.namespaces.length === 0;

  return (
    <Page
      title="Metrics"
      loading={spaces.loading && !spaces.data}
      error={spaces.data ? undefined : spaces.error}
      onRetry={spaces.reload}
      empty={empty}
      emptyMessage={
        <p>
          No metrics yet. Monitors record theirs under <code>Tocsin/Monitors</code>; send your own with{' '}
          <code>POST /api/metrics</code> (an <code>ingest</code> token) or OTLP.
        </p>
      }
    >
      <div class="filters">
        <Select
          id="metric-namespace"
          label="Namespace"
          value={ns}
          options={opts(spaces.data?.namespaces.map((n) => n.namespace) ?? [])}
          onChange={(v) => {
            setNamespace(v);
            setMetricName('');
            setDims({});
          }}
        />
        <Select
          id="metric-name"
          label="Metric"
          value={metric?.name ?? ''}
          options={opts(metrics.data?.metrics.map((m) => m.name) ?? [])}
          onChange={(v) => setMetricName(v)}
        />
        {Object.entries(metric?.dimensions ?? {}).map(([k, values]) => (
          <Select
            key={k}
            id={`metric-dim-${k}`}
            label={k}
            value={dimensions[k] ?? ''}
            options={[...opts(values), { value: '', label: '(none)' }]}
            onChange={(v) => setDims((d) => ({ ...d, [k]: v }))}
          />
        ))}
        <Select
          id="metric-statistic"
          label="Statistic"
          value={statistic}
          options={opts(statistics)}
          onChange={setStatistic}
        />
        <Select
          id="metric-period"
          label="Period"
          value={String(period)}
          options={periods.map((p) => ({ value: String(p.value), label: p.label }))}
          onChange={(v) => setPeriod(Number(v))}
        />
        <Select
          id="metric-range"
          label="Range"
          value={String(range)}
          options={ranges.map((r) => ({ value: String(r.value), label: r.label }))}
          onChange={(v) => setRange(Number(v))}
        />
      </div>
      <Section
        title={metric ? `${ns} / ${metric.name}` : 'Chart'}
        actions={
          writer &&
          query && (
            <Link class="button" href={alarmFormHref(query)}>
              Create an alarm from this
            </Link>
          )
        }
      >
        {metrics.error ? (
          <ErrorState error={metrics.error} onRetry={metrics.reload} />
        ) : series.error ? (
          <ErrorState error={series.error} onRetry={series.reload} />
        ) : !series.data ? (
          metrics.loading || series.loading ? (
            <LoadingState />
          ) : (
            <EmptyState>This namespace has no metrics.</EmptyState>
          )
        ) : series.data[1].every((v) => v === null) ? (
          <EmptyState>No datapoints in this range; pick a longer range or other dimensions.</EmptyState>
        ) : (
          <Chart
            data={series.data}
            series={[{ label: statistic }]}
            label={`${statistic} of ${metric?.name} per ${period} s`}
            yMin={null}
          />
        )}
      </Section>
    </Page>
  );
}
