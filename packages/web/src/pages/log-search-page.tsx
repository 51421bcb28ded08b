import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from '../components/link.js';
import { ErrorState, LoadingState, Page } from '../components/page.js';
import { api } from '../core/api-client.js';
import type { LogEventView, LogQueryAnswer } from '../core/api-types.js';
import { navigate, useLocation } from '../core/router.js';
import { useResource } from '../core/use-resource.js';
import '../styles/logs.css';
import { LogEventList } from './log-event-list.js';
import { patternProblem } from './log-pattern-error.js';
import { LogSearchForm } from './log-search-form.js';
import { type LogSearch, queryUrl, searchHref, searchOf, tailUrl } from './log-search-query.js';
import { loadLogGroups } from './log-api.js';
import { LogTabs } from './log-tabs.js';

interface Results {
  events: LogEventView[];
  next?: string;
  scanned: { blocks: number; skipped: number; lines: number };
  /** The first page or a later one is on its way. */
  loading: boolean;
  error?: unknown;
}

const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;

const none: Results = { events: [], scanned: { blocks: 0, skipped: 0, lines: 0 }, loading: false };

/**
 * The pages of one search: the first when the search (or `run`) changes, the next through the cursor on
 * `more()`. States: loading ──answer──▶ shown (with `next` when there is more) ──more()──▶ loading more ──▶ shown;
 * any answer may be an error instead (a bad pattern is a 400), shown in place of the page that failed.
 */
function useLogResults(search: LogSearch, run: number): Results & { more: () => void } {
  const [results, setResults] = useState<Results>(none);
  // Presets end "now": the time the first page was asked, so later pages stay in the same window.
  const at = useRef(Date.now());
  const ctrl = useRef<AbortController | undefined>(undefined);
  const key = searchHref(search);

  const fetchPage = (cursor?: string) => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setResults((r) => ({ ...(cursor ? r : none), loading: true, error: undefined }));
    api.get<LogQueryAnswer>(queryUrl(search, at.current, cursor), { signal: c.signal }).then(
      (page) =>
        !c.signal.aborted &&
        setResults((r) => ({
          events: cursor ? [...r.events, ...page.events] : page.events,
          next: page.next,
          scanned: {
            blocks: (cursor ? r.scanned.blocks : 0) + (page.scanned?.blocks ?? 0),
            skipped: (cursor ? r.scanned.skipped : 0) + (page.scanned?.skipped ?? 0),
            lines: (cursor ? r.scanned.lines : 0) + (page.scanned?.lines ?? 0),
          },
          loading: false,
        })),
      (error: unknown) => !c.signal.aborted && setResults((r) => ({ ...r, loading: false, error })),
    );
  };

  useEffect(() => {
    if (!search.group) return;
    at.current = Date.now();
    fetchPage();
    return () => ctrl.current?.abort();
  }, [key, run]);

  const more = () => {
    if (results.next && !results.loading) fetchPage(results.next);
  };
  return { ...results, more };
}

/**
 * `/logs`: search a group's events with a filter pattern over a time range (the address holds the search, so
 * notifications link to it and a search can be bookmarked), page through the cursor, open an event.
 */
export function LogSearchPage() {
  const { search: params } = useLocation();
  const groups = useResource('log-groups', loadLogGroups);
  const [run, setRun] = useState(0);
  const asked = searchOf(params);
  const list = groups.data ?? [];
  const search = { ...asked, group: asked.group || list[0]?.name || '' };
  const results = useLogResults(search, run);
  const problem = patternProblem(results.error);

  const submit = (s: LogSearch) => {
    const href = searchHref(s);
    if (href === searchHref(search)) setRun((n) => n + 1);
    else navigate(href);
  };

  return (
    <Page
      title="Logs"
      actions={
        <Link class="button" href={`/logs/tail${tailUrl(search).slice('/api/logs/tail'.length)}`}>
          Live tail
        </Link>
      }
      loading={groups.loading && !groups.data}
      error={groups.data ? undefined : groups.error}
      onRetry={groups.reload}
      empty={list.length === 0 && !asked.group}
      emptyMessage={
        <>
          No log groups yet. Send logs to <code>POST /api/logs</code>, OTLP, Loki push, CloudWatch or syslog (see
          docs/logs.md), or <Link href="/logs/groups?new">create a group</Link>.
        </>
      }
    >
      <LogTabs />
      <LogSearchForm
        key={params.toString() || search.group}
        initial={search}
        groups={list}
        withRange
        problem={problem}
        submitLabel="Search"
        onSubmit={submit}
      />
      <p class="log-summary" role="status" data-testid="log-scanned">
        {results.loading
          ? 'Searching…'
          : results.error || !search.group
            ? ''
            : `${plural(results.events.length, 'event')}${results.next ? ' (more to load)' : ''}; ` +
              `scanned ${plural(results.scanned.lines, 'line')} in ` +
              `${plural(results.scanned.blocks, 'block')}` +
              (results.scanned.skipped ? ` (${results.scanned.skipped.toLocaleString()} skipped by the index).` : '.')}
      </p>
      {results.error !== undefined && !problem && (
        <ErrorState error={results.error} onRetry={() => setRun((n) => n + 1)} />
      )}
      {results.loading && results.events.length === 0 ? (
        <LoadingState label="Searching…" />
      ) : (
        !problem && (
          <LogEventList
            events={results.events}
            label={`Events of ${search.group}`}
            height={520}
            empty="No events match in this time range. Widen the range or loosen the pattern."
          />
        )
      )}
      {results.next && (
        <div class="form-actions">
          <button type="button" onClick={results.more} disabled={results.loading}>
            {results.loading ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </Page>
  );
}
