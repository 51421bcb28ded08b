/** Pieces of the monitor pages: what a monitor checks, in a line, and its recent checks as sparkline and bars. */
import { Sparkline } from '../components/sparkline.js';
import { UptimeBars } from '../components/uptime-bars.js';
import type { Monitor, MonitorResult } from '../core/api-types.js';

export function targetOf(m: Pick<Monitor, 'type' | 'target'>): string {
  const t = m.target as Record<string, unknown>;
  switch (m.type) {
    case 'http':
      return `${t.method && t.method !== 'GET' ? `${t.method} ` : ''}${t.url}`;
    case 'tcp':
    case 'tls':
      return `${t.host}:${t.port}`;
    case 'dns':
      return `${t.query} ${t.recordType ?? 'A'}${t.resolver ? ` @${t.resolver}` : ''}`;
    default:
      return '';
  }
}

export function tagsOf(m: Monitor): string[] {
  return Object.entries(m.settings.tags).map(([k, v]) => (v ? `${k}=${v}` : k));
}

/** Latency of the recent checks (oldest first; a failed check is a gap) and one bar per check. */
export function RecentChecks(props: { results?: MonitorResult[]; values?: (number | null)[]; width?: number }) {
  const values =
    props.values ?? (props.results ? [...props.results].reverse().map((r) => (r.up ? r.latencyMs : null)) : undefined);
  if (!values) return <span class="muted">…</span>;
  return <Sparkline values={values} width={props.width ?? 96} label={`latency of the last ${values.length} checks`} />;
}

export function RecentBars({ results, width = 96 }: { results: MonitorResult[] | undefined; width?: number }) {
  if (!results) return <span class="muted">…</span>;
  const oldestFirst = [...results].reverse();
  return (
    <UptimeBars
      width={width}
      height={16}
      label={`the last ${results.length} checks`}
      buckets={oldestFirst.map((r) => ({ up: r.up ? 1 : 0, label: new Date(r.at).toLocaleString() }))}
    />
  );
}
