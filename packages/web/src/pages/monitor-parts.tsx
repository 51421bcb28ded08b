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
    case 'object': {
      const s3 = t.s3 as { bucket?: string; prefix?: string } | undefined;
      const where = t.path !== undefined ? String(t.path) : `s3://${s3?.bucket}/${s3?.prefix ?? ''}${t.key}`;
      return `${where}${t.cron ? ` · due ${t.cron} ${t.timezone ?? 'UTC'}` : ''}`;
    }
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

/** One bar per recent check, oldest first: from a monitor's results (newest first) or the list's `up` values. */
export function RecentBars(props: { results?: MonitorResult[]; up?: boolean[]; width?: number }) {
  const { results, up, width = 96 } = props;
  const buckets = up
    ? up.map((u, i) => ({ up: u ? 1 : 0, label: `check ${i + 1} of ${up.length}: ${u ? 'up' : 'down'}` }))
    : results
      ? [...results].reverse().map((r) => ({ up: r.up ? 1 : 0, label: new Date(r.at).toLocaleString() }))
      : undefined;
  if (!buckets) return <span class="muted">…</span>;
  return <UptimeBars width={width} height={16} label={`the last ${buckets.length} checks`} buckets={buckets} />;
}
