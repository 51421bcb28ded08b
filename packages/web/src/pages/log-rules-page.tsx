import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import type { LogRuleStats, LogRuleView } from '../core/api-types.js';
import { seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import '../styles/logs.css';
import { ruleKindLabels, ruleSummary } from './log-rule-form-values.js';
import { LogTabs } from './log-tabs.js';

/** The breaker as a badge: `open` (the route stopped itself) is the one to look at. */
export function BreakerBadge({ stats }: { stats?: LogRuleStats }) {
  if (!stats?.breaker) return <span class="muted">—</span>;
  const open = stats.breaker === 'open';
  return (
    <span class={`badge ${open ? 'badge-bad' : 'badge-good'}`} data-state={stats.breaker}>
      {open ? 'open (stopped)' : 'closed'}
    </span>
  );
}

const count = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString());

/** `/logs/rules`: every log rule with its kind, selector, pattern, what it did and its breaker; open breakers first. */
export function LogRulesPage() {
  const writer = canWrite(useStore(auth));
  const res = useResource('log-rules', (signal) => api.get<{ rules: LogRuleView[] }>('/api/log-rules', { signal }));
  const rules = [...(res.data?.rules ?? [])].sort(
    (a, b) => Number(b.stats?.breaker === 'open') - Number(a.stats?.breaker === 'open') || a.name.localeCompare(b.name),
  );
  return (
    <Page
      title="Log rules"
      actions={
        writer && (
          <Link class="button button-primary" href="/logs/rules/new">
            New rule
          </Link>
        )
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      <LogTabs />
      <DataTable
        caption="Log rules"
        rows={rules}
        rowKey={(r) => r.name}
        rowTestId={(r) => `log-rule-row-${r.name}`}
        empty={
          <>No log rules yet. {writer ? 'Create one: a route, a metric filter or a log alarm.' : 'An editor can.'}</>
        }
        columns={[
          { header: 'Name', render: (r) => <Link href={`/logs/rules/${seg(r.name)}`}>{r.name}</Link> },
          {
            header: 'Kind',
            render: (r) => (
              <>
                {ruleKindLabels[r.kind]}
                {!r.enabled && <span class="muted"> (disabled)</span>}
              </>
            ),
          },
          {
            header: 'Events',
            render: (r) => (
              <>
                {r.group}
                {r.source && <span class="muted"> · {r.source}</span>}
                {r.stage && <span class="muted"> · {r.stage}</span>}
              </>
            ),
          },
          { header: 'Pattern', render: (r) => <code class="break">{r.pattern || '(every event)'}</code> },
          { header: 'Does', render: (r) => <span class="muted">{ruleSummary(r)}</span> },
          { header: 'Matched', class: 'num', render: (r) => count(r.stats?.matched) },
          { header: 'Routed', class: 'num', render: (r) => count(r.stats?.routed) },
          { header: 'Suppressed', class: 'num', render: (r) => count(r.stats?.suppressed) },
          { header: 'Last match', render: (r) => <Time at={r.stats?.lastMatchAt} relative /> },
          { header: 'Breaker', render: (r) => <BreakerBadge stats={r.stats} /> },
        ]}
      />
    </Page>
  );
}
