/** What both archive pages show: a run's state and progress, the Run now button, a refresh while runs move. */
import { useEffect, useState } from 'preact/hooks';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { errorMessage } from '../core/api-client.js';
import { ARCHIVE_REFRESH_MS, type ArchiveRun, runNow } from './archive-api.js';
import { formatBytes } from './log-search-query.js';

const tone: Record<ArchiveRun['state'], string> = {
  queued: 'NEW',
  running: 'STARTED',
  succeeded: 'OK',
  failed: 'FAILED',
};

/** The run's state as a badge; `data-run-state` carries it for tests. */
export function RunState({ run }: { run: ArchiveRun }) {
  return (
    <span data-run-state={run.state}>
      <StateBadge state={tone[run.state]} label={run.state} />
    </span>
  );
}

/** Days done of total as a bar, with the lines and bytes written so far. */
export function RunProgress({ run }: { run: ArchiveRun }) {
  const label = `${run.daysDone} of ${run.daysTotal} days`;
  return (
    <div class="archive-progress" data-testid="archive-progress">
      <progress max={Math.max(run.daysTotal, 1)} value={run.daysDone} aria-label={`Run ${run.id}: ${label}`} />
      <span>
        {label} · {run.lines.toLocaleString()} lines · {formatBytes(run.storedBytes)}
      </span>
    </div>
  );
}

/** The last run in a cell: its state and time; its progress while it moves. */
export function LastRun({ run }: { run?: ArchiveRun }) {
  if (!run) return <span class="muted">never run</span>;
  const active = run.state === 'queued' || run.state === 'running';
  return (
    <>
      <RunState run={run} /> <Time at={run.endedAt ?? run.startedAt ?? run.requestedAt} relative />
      {active && <RunProgress run={run} />}
      {run.state === 'failed' && run.error && <div class="muted archive-error">{run.error}</div>}
    </>
  );
}

/** POSTs a run of the job, then tells the page (which refreshes while the run is queued or running). */
export function RunNowButton({ name, onQueued }: { name: string; onQueued: () => void }) {
  const [busy, setBusy] = useState(false);
  const click = async () => {
    setBusy(true);
    try {
      const run = await runNow(name);
      toast(`Run of ${name} queued (${run.id}).`);
      onQueued();
    } catch (err) {
      toast(errorMessage(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="button-small" disabled={busy} onClick={click} aria-label={`Run now: ${name}`}>
      Run now
    </button>
  );
}

/** Calls `reload` every ARCHIVE_REFRESH_MS while `active`. */
export function useRefreshWhile(active: boolean, reload: () => void): void {
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(reload, ARCHIVE_REFRESH_MS);
    return () => window.clearInterval(t);
  }, [active, reload]);
}
