/**
 * An agent's host metrics as charts: the CloudWatch agent's names in namespace CWAgent. The server adds InstanceId
 * (the agent's id) and host to each datum's own dimensions (a disk's path, device, fstype), and a series is named by
 * its exact dimensions: so the agent's series are found first (GET /api/metrics), then charted, a line each.
 */
import type { ComponentChildren } from 'preact';
import { Chart } from '../components/chart.js';
import { EmptyState, ErrorState, LoadingState } from '../components/page.js';
import { api } from '../core/api-client.js';
import { useResource } from '../core/use-resource.js';
import { queryMetric } from './metric-query.js';

export const HOST_NAMESPACE = 'CWAgent';

const charts = [
  { metricName: 'disk_used_percent', title: 'Disk used' },
  { metricName: 'mem_used_percent', title: 'Memory used' },
  { metricName: 'cpu_usage_user', title: 'CPU (user)' },
];

const RANGE_MS = 6 * 3_600_000;
const PERIOD_S = 60;
/** Lines in one chart at most (a host with many disks shows its first ones). */
const MAX_LINES = 4;
const lineColours = ['--chart-line', '--accent', '--good', '--warn'];

interface Series {
  name: string;
  dimensions: Record<string, string>;
}

/** A line's label: what tells it from the others (`path=/data`), or the metric's name alone. */
function lineLabel(s: Series): string {
  const own = Object.entries(s.dimensions).filter(([k]) => k !== 'InstanceId' && k !== 'host');
  return own.length ? own.map(([k, v]) => `${k}=${v}`).join(' ') : s.name;
}

async function loadLines(series: Series[], signal: AbortSignal) {
  const to = Date.now();
  const answers = await Promise.all(
    series.map((s) =>
      queryMetric(
        {
          namespace: HOST_NAMESPACE,
          metricName: s.name,
          dimensions: s.dimensions,
          statistic: 'Average',
          period: PERIOD_S,
          from: to - RANGE_MS,
          to,
        },
        signal,
      ),
    ),
  );
  // Same range and period: the same x values for every line.
  return [answers[0][0], ...answers.map((a) => a[1])] as [number[], ...(number | null)[][]];
}

function HostChart({ series, metricName, title }: { series: Series[]; metricName: string; title: string }) {
  const key = series.map((s) => JSON.stringify(s.dimensions)).join('|');
  const res = useResource(`host-metric:${metricName}:${key}`, (signal) =>
    series.length ? loadLines(series, signal) : Promise.resolve(undefined),
  );
  let body: ComponentChildren;
  if (series.length === 0) body = <EmptyState>The agent has sent none yet.</EmptyState>;
  else if (res.error !== undefined && !res.data) body = <ErrorState error={res.error} onRetry={res.reload} />;
  else if (!res.data) body = <LoadingState />;
  else if (res.data.slice(1).every((line) => line.every((v) => v === null)))
    body = <EmptyState>No datapoints in the last 6 hours.</EmptyState>;
  else
    body = (
      <Chart
        data={res.data}
        series={series.map((s, i) => ({ label: lineLabel(s), unit: '%', color: lineColours[i] }))}
        label={`${title}: the average per minute of ${metricName}, last 6 hours`}
        height={180}
      />
    );
  return (
    <figure class="host-chart" data-testid={`host-chart-${metricName}`}>
      <figcaption>
        {title} <code class="muted">{metricName}</code>
      </figcaption>
      {body}
    </figure>
  );
}

export function AgentMetrics({ agentId }: { agentId: string }) {
  const res = useResource(`host-series:${agentId}`, (signal) =>
    api.get<{ series: Series[] }>(`/api/metrics?namespace=${HOST_NAMESPACE}`, { signal }),
  );
  if (res.error !== undefined && !res.data) return <ErrorState error={res.error} onRetry={res.reload} />;
  if (!res.data) return <LoadingState />;
  const mine = res.data.series.filter((s) => s.dimensions.InstanceId === agentId);
  return (
    <div class="host-charts">
      {charts.map((c) => (
        <HostChart key={c.metricName} series={mine.filter((s) => s.name === c.metricName).slice(0, MAX_LINES)} {...c} />
      ))}
    </div>
  );
}
