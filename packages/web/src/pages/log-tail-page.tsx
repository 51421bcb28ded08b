import { useState } from 'preact/hooks';
import { Link } from '../components/link.js';
import { ErrorState, Page } from '../components/page.js';
import { navigate, useLocation } from '../core/router.js';
import { useResource } from '../core/use-resource.js';
import '../styles/logs.css';
import { LogEventList } from './log-event-list.js';
import { patternProblem } from './log-pattern-error.js';
import { LogSearchForm } from './log-search-form.js';
import { type LogSearch, searchHref, searchOf } from './log-search-query.js';
import { TAIL_BUFFER, useLogTail } from './log-tail.js';
import { loadLogGroups } from './log-api.js';
import { LogTabs } from './log-tabs.js';

const statusText = { connecting: 'Connecting…', open: 'Following', refused: 'Refused' } as const;

/**
 * `/logs/tail?group&pattern`: the events that arrive, as they arrive, filtered as a search is; Pause holds new
 * lines back (still counted and kept, within the buffer) until Resume.
 */
export function LogTailPage() {
  const { search: params } = useLocation();
  const groups = useResource('log-groups', loadLogGroups);
  const search = searchOf(params);
  const [paused, setPaused] = useState(false);
  const tail = useLogTail(search.group, search.pattern, paused);
  const problem = patternProblem(tail.error);

  const submit = (s: LogSearch) => navigate(searchHref({ ...s, range: '1h', start: '', end: '' }, '/logs/tail'));
  const searchLink = searchHref({ ...search, range: '1h', start: '', end: '' });

  return (
    <Page
      title="Live tail"
      actions={
        <Link class="button" href={searchLink}>
          Search instead
        </Link>
      }
    >
      <LogTabs />
      <LogSearchForm
        key={params.toString()}
        initial={search}
        groups={groups.data ?? []}
        withRange={false}
        problem={problem}
        submitLabel="Follow"
        onSubmit={submit}
        actions={
          <button type="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        }
      />
      {/* Only the state is announced: the counts change with every line, which a live region would read out. */}
      <div class="log-summary" data-testid="tail-status">
        <span class={`tail-dot tail-${tail.status}`} aria-hidden="true" />
        <span data-testid="tail-state" role="status">
          {paused ? 'Paused' : statusText[tail.status]}
        </span>
        {' · '}
        <span data-testid="tail-count">{tail.events.length.toLocaleString()} lines</span>
        {tail.held > 0 && <span> · {tail.held.toLocaleString()} new while paused</span>}
        {' · '}
        <span data-testid="tail-dropped">{tail.dropped.toLocaleString()} dropped by the server</span>
        {tail.evicted > 0 && (
          <span>
            {' · '}
            {tail.evicted.toLocaleString()} older lines let go (the page keeps {TAIL_BUFFER.toLocaleString()})
          </span>
        )}
      </div>
      {tail.error !== undefined && !problem && <ErrorState error={tail.error} />}
      {tail.status !== 'refused' && (
        <LogEventList
          events={tail.events}
          label="Live events, newest first"
          height={520}
          empty={
            tail.status === 'open'
              ? 'Waiting for lines… new events that match show here, newest first.'
              : 'Connecting to the live tail…'
          }
        />
      )}
    </Page>
  );
}
