/**
 * The run-command pages' shapes (as `/api/commands` answers them) and the verdict in words: pure, so that Node
 * tests them (test/web-fleet.test.ts).
 */
import { type CommandRunStatus, type InvocationStatus, printSelector, type TagSelector } from '@tocsin/protocol';

/** How often a run's page reads again while the run is in progress. */
export const RUN_REFRESH_MS = 1000;

/** Hosts per status; the server may count `Delivering` (sent, not yet started), shown as Pending. */
export type StatusCounts = Partial<Record<InvocationStatus | 'Delivering', number>>;

/** A run as `/api/commands` shows it: the audit (who, when, what, where, expected) and the outcome. */
export interface CommandRun {
  id: string;
  command: string;
  comment?: string | null;
  targets: { tags?: TagSelector; agents?: string[] };
  /** The targets as one line (`role=web`). */
  selector?: string;
  /** The hosts that must run it successfully. */
  expected: number;
  /** Where `expected` came from: `body`, `group:<name>`, or `targets` (as many as were found). */
  expectedFrom?: string;
  status: CommandRunStatus;
  /** Why the run ended as it did, in words (the server's, once it ended). */
  reason?: string | null;
  counts: StatusCounts;
  /** The targets found when the run started. */
  targetCount?: number;
  hosts?: { id: string; hostname: string }[];
  cancelRequested?: boolean;
  stoppedByMaxErrors?: boolean;
  maxConcurrency?: number | string;
  maxErrors?: number | string;
  deliveryTimeout?: number;
  executionTimeout?: number;
  topics?: string[];
  /** Who started it: `user:ada`, `token:ci`. */
  startedBy?: string | null;
  createdAt: string;
  endedAt?: string | null;
}

/** The group the expected count came from, if one did. */
export const groupOf = (run: Pick<CommandRun, 'expectedFrom'>) =>
  run.expectedFrom?.startsWith('group:') ? run.expectedFrom.slice('group:'.length) : undefined;

/** `2`, `3 (group web)`, `2 (the targets found)`. */
export function expectedText(run: Pick<CommandRun, 'expected' | 'expectedFrom'>): string {
  const group = groupOf(run);
  if (group) return `${run.expected} (group ${group})`;
  return run.expectedFrom === 'targets' ? `${run.expected} (the targets found)` : String(run.expected);
}

export interface Invocation {
  id: string;
  agentId: string;
  hostname: string;
  status: InvocationStatus;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  reason?: string | null;
  startedAt: string | number | null;
  endedAt: string | number | null;
}

export type CommandRunDetail = CommandRun & { invocations: Invocation[] };

export const countOf = (run: Pick<CommandRun, 'counts'>, status: InvocationStatus) =>
  (run.counts[status] ?? 0) + (status === 'Pending' ? (run.counts.Delivering ?? 0) : 0);

/**
 * A run with its counts as its hosts stand now: the server counts a run only once it ends, so while it is in
 * progress they are counted here from its invocations.
 */
export function withCurrentCounts(run: CommandRunDetail): CommandRunDetail {
  if (run.status !== 'InProgress') return run;
  const counts: StatusCounts = {};
  for (const i of run.invocations) counts[i.status] = (counts[i.status] ?? 0) + 1;
  return { ...run, counts };
}

/**
 * The verdict's reason: the server's when it gives one, else counted here as the server counts it ("3 of 5
 * expected hosts succeeded: 2 missing"). While the run is in progress, the hosts that have not answered yet are
 * pending ("1 of 3 expected hosts succeeded so far: 1 running, 1 pending"); they are missing only once it ended.
 */
export function verdictReason(run: CommandRun): string {
  if (run.reason) return run.reason;
  const ok = countOf(run, 'Success');
  const made = Object.values(run.counts).reduce((a, b) => a + (b ?? 0), 0);
  const running = countOf(run, 'InProgress');
  const failed = made - ok - countOf(run, 'Pending') - running;
  const expected = run.expected;
  const parts: string[] = [];
  if (failed > 0) parts.push(`${failed} failed`);
  if (run.status === 'InProgress') {
    if (running > 0) parts.push(`${running} running`);
    const pending = expected - ok - Math.max(failed, 0) - running;
    if (pending > 0) parts.push(`${pending} pending`);
    return `${ok} of ${expected} expected hosts succeeded so far${parts.length ? `: ${parts.join(', ')}` : ''}`;
  }
  if (expected > made) parts.push(`${expected - made} missing`);
  return `${ok} of ${expected} expected hosts succeeded${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** Targets in words: `role=web,env=prod` or `3 agents`. */
export function targetsText(t: CommandRun['targets']): string {
  const parts: string[] = [];
  if (t.tags) parts.push(printSelector(t.tags));
  if (t.agents) parts.push(t.agents.length === 1 ? `agent ${t.agents[0]}` : `${t.agents.length} agents`);
  return parts.join(' + ') || '—';
}
