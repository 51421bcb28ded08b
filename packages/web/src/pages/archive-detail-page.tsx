import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import type { RouteParams } from '../routes.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { type ArchiveDay, type ArchiveRun, isActive, loadArchive } from './archive-api.js';
import { RunNowButton, RunProgress, RunState, useRefreshWhile } from './archive-parts.js';
import { formatBytes } from './log-search-query.js';
import '../styles/archives.css';

const daysText = (r: ArchiveRun) =>
  r.from
    ? r.from === r.to
      ? r.from
      : `${r.from} to ${r.to}`
    : r.trigger === 'manual'
      ? 'days not archived'
      : 'due days';

/** `/archives/:name`: the job, its runs newest first (with progress while they move), its failed days. */
export function ArchiveDetailPage({ params }: { params: RouteParams }) {
  const name = params.name;
  const writer = canWrite(useStore(auth));
  const res = useResource(`archive:${name}`, (signal) => loadArchive(name, signal));
  const { job, runs = [], failed = [] } = res.data ?? {};
  useRefreshWhile(runs.some(isActive), res.reload);
  return (
    <Page
      title={`Archive ${name}`}
      actions={writer && job && <RunNowButton name={name} onQueued={res.reload} />}
      description={<Link href="/archives">All archive jobs</Link>}
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      {job && (
        <dl class="facts" data-testid="archive-facts">
          <dt>Groups</dt>
          <dd>{job.groups.join(', ')}</dd>
          <dt>Schedule</dt>
          <dd>
            <code>{job.schedule}</code> in {job.timezone}
            {job.paused ? ' (paused)' : ''}
          </dd>
          <dt>Destination</dt>
          <dd>
            <code class="break">{job.where}</code>
          </dd>
          <dt>Days</dt>
          <dd>
            {job.daysArchived} archived, {job.daysFailed} failed, {job.daysPending} pending
          </dd>
          <dt>Next run</dt>
          <dd>{job.paused ? 'paused' : <Time at={job.nextRunAt} />}</dd>
          {job.topics.length > 0 && (
            <>
              <dt>Failures go to</dt>
              <dd>{job.topics.join(', ')}</dd>
            </>
          )}
        </dl>
      )}
      <Section title="Failed days">
        <DataTable<ArchiveDay>
          caption="Failed days"
          rows={failed}
          rowKey={(d) => `${d.group}/${d.day}`}
          rowTestId={(d) => `archive-failed-${d.group}-${d.day}`}
          empty="No failed days."
          columns={[
            { header: 'Group', render: (d) => d.group },
            { header: 'Day', render: (d) => d.day },
            { header: 'Attempts', class: 'num', render: (d) => d.attempts },
            { header: 'Error', render: (d) => <span class="archive-error">{d.error ?? '—'}</span> },
            { header: 'Next try', render: (d) => <Time at={d.retryAt} relative /> },
          ]}
        />
      </Section>
      <Section title="Runs">
        <DataTable<ArchiveRun>
          caption="Runs, newest first"
          rows={runs}
          rowKey={(r) => r.id}
          rowTestId={(r) => `archive-run-${r.id}`}
          empty="No runs yet."
          columns={[
            { header: 'Requested', render: (r) => <Time at={r.requestedAt} /> },
            { header: 'Trigger', render: (r) => r.trigger },
            { header: 'Days', render: daysText },
            {
              header: 'State',
              render: (r) => (
                <>
                  <RunState run={r} />
                  {isActive(r) && <RunProgress run={r} />}
                  {r.error && <div class="muted archive-error">{r.error}</div>}
                </>
              ),
            },
            { header: 'Done', class: 'num', render: (r) => `${r.daysDone}/${r.daysTotal}` },
            { header: 'Lines', class: 'num', render: (r) => r.lines.toLocaleString() },
            { header: 'Stored', class: 'num', render: (r) => formatBytes(r.storedBytes) },
            { header: 'Ended', render: (r) => <Time at={r.endedAt} relative /> },
          ]}
        />
      </Section>
    </Page>
  );
}
