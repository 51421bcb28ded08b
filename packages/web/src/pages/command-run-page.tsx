import { invocationStatuses } from '@tocsin/protocol';
import { ConfirmButton } from '../components/confirm-button.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { formatMs } from '../core/format.js';
import { auth, isAdmin } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import type { RouteParams } from '../routes.js';
import { cancelRun, loadRun } from './command-api.js';
import {
  type CommandRunDetail,
  countOf,
  expectedText,
  targetsText,
  verdictReason,
  withCurrentCounts,
} from './command-verdict.js';
import { StatusBadge, usePollWhile } from './command-parts.js';
import { InvocationTable } from './invocation-table.js';
import '../styles/fleet.css';

const limit = (v: number | string | undefined) => (v === undefined ? '—' : String(v));

function Facts({ run }: { run: CommandRunDetail }) {
  return (
    <dl class="facts" data-testid="run-facts">
      <dt>Command</dt>
      <dd>
        <code class="break">{run.command}</code>
      </dd>
      <dt>Targets</dt>
      <dd>
        <code class="break">{targetsText(run.targets)}</code>
      </dd>
      <dt>Expected</dt>
      <dd>
        {expectedText(run)}
        {run.targetCount !== undefined && `; ${run.targetCount} target${run.targetCount === 1 ? '' : 's'} found`}
      </dd>
      <dt>Started</dt>
      <dd>
        <Time at={run.createdAt} /> {run.startedBy && `by ${run.startedBy}`}
      </dd>
      <dt>Ended</dt>
      <dd>{run.endedAt ? <Time at={run.endedAt} /> : 'not yet'}</dd>
      <dt>Limits</dt>
      <dd>
        concurrency {limit(run.maxConcurrency)}, errors {limit(run.maxErrors)}, delivery {formatMs(run.deliveryTimeout)}
        , execution {formatMs(run.executionTimeout)}
      </dd>
      {run.topics && run.topics.length > 0 && (
        <>
          <dt>Completion goes to</dt>
          <dd>{run.topics.join(', ')}</dd>
        </>
      )}
      {run.comment && (
        <>
          <dt>Comment</dt>
          <dd>{run.comment}</dd>
        </>
      )}
    </dl>
  );
}

/** The verdict and its reason, then a card per status with hosts in it. */
function Verdict({ run }: { run: CommandRunDetail }) {
  return (
    <div class="run-verdict" data-testid="run-verdict" data-status={run.status}>
      <p>
        <StatusBadge status={run.status} /> <span data-testid="run-reason">{verdictReason(run)}</span>
      </p>
      <ul class="cards" aria-label="Hosts by status">
        {invocationStatuses
          .filter((s) => countOf(run, s) > 0)
          .map((s) => (
            <li class="card" key={s} data-count={s}>
              <span class="card-value">{countOf(run, s)}</span>
              <span class="card-label">
                <StatusBadge status={s} />
              </span>
            </li>
          ))}
      </ul>
    </div>
  );
}

/**
 * `/commands/:id`: a run's verdict with its reason, its counts, and a row a host; read again every second while the
 * run is in progress (and on the live stream's command changes), so the hosts' states change in place. Cancel for
 * an admin while it runs.
 */
export function CommandRunPage({ params }: { params: RouteParams }) {
  const id = params.id;
  const admin = isAdmin(useStore(auth));
  const res = useResource(`command-run:${id}`, (signal) => loadRun(id, signal), {
    refetchOn: (c) => c.type === 'command' && c.name === id,
  });
  const run = res.data && withCurrentCounts(res.data);
  const active = run?.status === 'InProgress';
  usePollWhile(active, res.reload);
  return (
    <Page
      title={`Run ${id}`}
      description={<Link href="/commands">All command runs</Link>}
      actions={
        admin &&
        active &&
        !run.cancelRequested && (
          <ConfirmButton
            label="Cancel run"
            danger
            question={<p>Cancel this run? Hosts that have not started it will not; running ones are told to stop.</p>}
            onConfirm={async () => {
              await cancelRun(id);
              toast('Cancel asked.');
              res.reload();
            }}
          />
        )
      }
      loading={res.loading && !run}
      error={run ? undefined : res.error}
      onRetry={res.reload}
    >
      {run && (
        <>
          <Verdict run={run} />
          <Facts run={run} />
          <Section title="Hosts">
            <InvocationTable invocations={run.invocations} />
          </Section>
        </>
      )}
    </Page>
  );
}
