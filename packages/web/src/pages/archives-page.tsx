import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { Time } from '../components/time.js';
import { seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { isActive, loadArchives, type ArchiveJob } from './archive-api.js';
import { LastRun, RunNowButton, useRefreshWhile } from './archive-parts.js';
import '../styles/archives.css';

const EXAMPLE = `archives:
  - name: nightly
    groups: [apache-access]
    timezone: Asia/Tokyo
    destination: { type: directory, path: /var/lib/tocsin/archive }`;

/** What the page says with no job: jobs come from the config file or the API. */
function NoJobs() {
  return (
    <div class="state state-empty" data-testid="archives-empty">
      <p>
        No archive jobs yet. Declare one under <code>archives:</code> in the config file and apply it (
        <code>tocsin apply</code>), or <code>PUT /api/archives/NAME</code>; see <code>docs/archive.md</code>.
      </p>
      <pre>{EXAMPLE}</pre>
    </div>
  );
}

/** `/archives`: every archive job with its last run, its days and its next run; Run now. */
export function ArchivesPage() {
  const writer = canWrite(useStore(auth));
  const res = useResource('archives', loadArchives);
  const jobs = res.data ?? [];
  useRefreshWhile(
    jobs.some((j) => isActive(j.lastRun)),
    res.reload,
  );
  return (
    <Page
      title="Archives"
      description="Daily exports of log groups to a directory or S3-compatible storage, in each job's time zone."
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      {res.data && jobs.length === 0 ? (
        <NoJobs />
      ) : (
        <DataTable<ArchiveJob>
          caption="Archive jobs"
          rows={jobs}
          rowKey={(j) => j.name}
          rowTestId={(j) => `archive-row-${j.name}`}
          columns={[
            {
              header: 'Name',
              render: (j) => (
                <>
                  <Link href={`/archives/${seg(j.name)}`}>{j.name}</Link>
                  {j.description && <div class="muted">{j.description}</div>}
                </>
              ),
            },
            { header: 'Groups', render: (j) => j.groups.join(', ') },
            { header: 'Zone', render: (j) => j.timezone },
            { header: 'Destination', render: (j) => <code class="break">{j.where}</code> },
            { header: 'Last run', render: (j) => <LastRun run={j.lastRun} /> },
            { header: 'Archived', class: 'num', render: (j) => j.daysArchived.toLocaleString() },
            { header: 'Failed', class: 'num', render: (j) => j.daysFailed.toLocaleString() },
            { header: 'Pending', class: 'num', render: (j) => j.daysPending.toLocaleString() },
            {
              header: 'Next run',
              render: (j) => (j.paused ? <span class="muted">paused</span> : <Time at={j.nextRunAt} />),
            },
            {
              header: 'Actions',
              render: (j) =>
                writer ? <RunNowButton name={j.name} onQueued={res.reload} /> : <span class="muted">—</span>,
            },
          ]}
        />
      )}
    </Page>
  );
}
