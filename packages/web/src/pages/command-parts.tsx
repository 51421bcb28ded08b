/** What the run pages share: a run's and an invocation's status as badges, the counts per status, the runs table. */
import { type InvocationStatus, invocationStatuses } from '@tocsin/protocol';
import { useEffect } from 'preact/hooks';
import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { seg } from '../core/router.js';
import {
  type CommandRun,
  countOf,
  expectedText,
  RUN_REFRESH_MS,
  targetsText,
  verdictReason,
} from './command-verdict.js';

/** The badge tone of each status (StateBadge's names). */
const tone: Record<string, string> = {
  Pending: 'NEW',
  InProgress: 'STARTED',
  Success: 'OK',
  Failed: 'FAILED',
  TimedOut: 'FAILED',
  Undeliverable: 'FAILED',
  Cancelled: 'PAUSED',
};

const words: Record<string, string> = { InProgress: 'in progress', TimedOut: 'timed out' };

/** A run's or an invocation's status as a badge; `data-status` carries it for tests. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span data-status={status}>
      <StateBadge state={tone[status] ?? 'NEW'} label={words[status] ?? status.toLowerCase()} />
    </span>
  );
}

/** The counts per invocation status that are not zero: `2 success · 1 failed`. */
export function StatusCounts({ run }: { run: Pick<CommandRun, 'counts'> }) {
  const shown = invocationStatuses.filter((s) => countOf(run, s) > 0);
  if (shown.length === 0) return <span class="muted">none yet</span>;
  return (
    <span class="status-counts">
      {shown.map((s: InvocationStatus) => (
        <span key={s} data-count={s}>
          {countOf(run, s)} {words[s] ?? s.toLowerCase()}
        </span>
      ))}
    </span>
  );
}

/** The runs table (the audit): who, when, command, targets, expected, verdict, counts. */
export function RunsTable({ runs, caption }: { runs: CommandRun[]; caption: string }) {
  return (
    <DataTable<CommandRun>
      caption={caption}
      rows={runs}
      rowKey={(r) => r.id}
      rowTestId={(r) => `run-row-${r.id}`}
      empty="No command has been run yet."
      columns={[
        {
          header: 'When',
          render: (r) => <Time at={r.createdAt} />,
        },
        { header: 'Who', render: (r) => r.startedBy ?? <span class="muted">—</span> },
        {
          header: 'Command',
          render: (r) => (
            <>
              <Link href={`/commands/${seg(r.id)}`}>
                <code class="run-command">{r.command}</code>
              </Link>
              {r.comment && <div class="muted">{r.comment}</div>}
            </>
          ),
        },
        { header: 'Targets', render: (r) => <code class="break">{targetsText(r.targets)}</code> },
        {
          header: 'Expected',
          class: 'num',
          render: expectedText,
        },
        {
          header: 'Verdict',
          render: (r) => (
            <>
              <StatusBadge status={r.status} />
              <div class="muted">{verdictReason(r)}</div>
            </>
          ),
        },
        { header: 'Hosts', render: (r) => <StatusCounts run={r} /> },
      ]}
    />
  );
}

/** Calls `reload` every RUN_REFRESH_MS while `active` (a run in progress). */
export function usePollWhile(active: boolean, reload: () => void): void {
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(reload, RUN_REFRESH_MS);
    return () => window.clearInterval(t);
  }, [active, reload]);
}
