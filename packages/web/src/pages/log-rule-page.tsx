import { Fragment } from 'preact';
import { ConfirmButton } from '../components/confirm-button.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import type { LogRuleStats, LogRuleView } from '../core/api-types.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import type { RouteParams } from '../routes.js';
import '../styles/logs.css';
import { PatternTester } from './log-pattern-tester.js';
import { LogRuleForm } from './log-rule-form.js';
import { ruleKindLabels, ruleSummary } from './log-rule-form-values.js';
import { BreakerBadge } from './log-rules-page.js';
import { humanize, searchHref } from './log-search-query.js';
import { LogTabs } from './log-tabs.js';

/** One of a rule's stats: the breaker as a badge, times (`…At`) as times, numbers with separators. */
function StatValue({ name, value, stats }: { name: string; value: unknown; stats?: LogRuleStats }) {
  if (name === 'breaker') return <BreakerBadge stats={stats} />;
  if (value === null || value === undefined) return <span class="muted">—</span>;
  if (name.endsWith('At') && (typeof value === 'number' || typeof value === 'string')) return <Time at={value} />;
  if (typeof value === 'number') return <>{value.toLocaleString()}</>;
  return <>{typeof value === 'string' ? value : JSON.stringify(value)}</>;
}

/** `/logs/rules/new` (kind, group and pattern may come from the address): the editor of a new rule. */
export function LogRuleNewPage() {
  const { search } = useLocation();
  const writer = canWrite(useStore(auth));
  return (
    <Page title="New log rule">
      <LogTabs />
      {writer ? (
        <LogRuleForm
          query={search}
          onSaved={(r) => navigate(`/logs/rules/${seg(r.name)}`)}
          onCancel={() => navigate('/logs/rules')}
        />
      ) : (
        <>
          <p class="notice">Your role may not change log rules; you can still try a pattern on lines.</p>
          <PatternTester pattern={search.get('pattern') ?? ''} />
        </>
      )}
    </Page>
  );
}

/** `/logs/rules/:name`: what the rule did (stats, breaker), its editor with the pattern tester, Delete. */
export function LogRulePage({ params }: { params: RouteParams }) {
  const writer = canWrite(useStore(auth));
  const name = params.name;
  const res = useResource(`log-rule:${name}`, (signal) =>
    api.get<LogRuleView>(`/api/log-rules/${seg(name)}`, { signal }),
  );
  const rule = res.data;
  const remove = async () => {
    await api.del(`/api/log-rules/${seg(name)}`);
    toast(`Rule ${name} deleted.`);
    navigate('/logs/rules');
  };
  const s = rule?.stats;
  return (
    <Page
      title={name}
      actions={
        rule && (
          <>
            <Link
              class="button"
              href={searchHref({
                group: rule.group === '*' ? '' : rule.group,
                pattern: rule.pattern,
                range: '1h',
                start: '',
                end: '',
              })}
            >
              Search its matches
            </Link>
            {writer && (
              <ConfirmButton label="Delete" danger question={<>Delete the log rule {name}?</>} onConfirm={remove} />
            )}
          </>
        )
      }
      loading={res.loading && !rule}
      error={rule ? undefined : res.error}
      onRetry={res.reload}
    >
      <LogTabs />
      {rule && (
        <>
          <dl class="facts" data-testid="log-rule-facts">
            <dt>Kind</dt>
            <dd>
              {ruleKindLabels[rule.kind]}
              {!rule.enabled && ' (disabled)'}
            </dd>
            <dt>Does</dt>
            <dd>{ruleSummary(rule)}</dd>
            {Object.entries(s ?? {}).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{humanize(k)}</dt>
                <dd>
                  <StatValue name={k} value={v} stats={s} />
                </dd>
              </Fragment>
            ))}
          </dl>
          <Section title={writer ? 'Edit' : 'Settings'}>
            {writer ? (
              <LogRuleForm
                key={JSON.stringify({ ...rule, stats: undefined })}
                rule={rule}
                onSaved={() => res.reload()}
                onCancel={() => navigate('/logs/rules')}
              />
            ) : (
              <>
                <pre class="log-pre">{JSON.stringify({ ...rule, stats: undefined }, null, 2)}</pre>
                <PatternTester pattern={rule.pattern} />
              </>
            )}
          </Section>
        </>
      )}
    </Page>
  );
}
