/**
 * The rules of a rollout, as AWS Systems Manager Run Command documents its rate controls, and the verdict.
 *
 * MaxConcurrency (a number, or a share of the targets rounded up, at least 1): the first invocation is released
 * alone; once it is done, two more; then four, doubling each time a wave is done, until a wave would reach
 * MaxConcurrency; from then on up to MaxConcurrency are in flight, one released as soon as another ends.
 * MaxErrors (a number, or a share of the targets rounded down): once the errors (Failed, TimedOut, Undeliverable)
 * exceed it, nothing more is released and the invocations not sent yet become Cancelled; those in flight finish.
 *
 * Verdict: Success only when the hosts that succeeded equal the expected count and are more than zero.
 */
import {
  TERMINAL_INVOCATION_STATUSES,
  invocationStatuses,
  type CommandRunStatus,
  type CountOrShare,
  type InvocationStatus,
} from '@tocsin/protocol';
import type { StoredInvocationStatus } from './command-store.js';

export const ERROR_STATUSES: ReadonlySet<StoredInvocationStatus> = new Set(['Failed', 'TimedOut', 'Undeliverable']);

const share = (v: CountOrShare, total: number, round: (n: number) => number) =>
  typeof v === 'number' ? v : round((Number.parseInt(v, 10) * total) / 100);

export function concurrencyLimit(v: CountOrShare, targets: number): number {
  return Math.max(1, share(v, targets, Math.ceil));
}

export function errorLimit(v: CountOrShare, targets: number): number {
  return share(v, targets, Math.floor);
}

export const isTerminal = (s: StoredInvocationStatus) => TERMINAL_INVOCATION_STATUSES.has(s as InvocationStatus);

/**
 * How many more invocations to release now, given how many were released (`released`), how many of those are not
 * terminal (`inFlight`) and the concurrency limit: whole doubling waves while ramping, then a sliding window.
 */
export function releasable(released: number, inFlight: number, limit: number): number {
  let start = 0;
  let size = 1;
  while (size < limit && start + size <= released) {
    start += size;
    size *= 2;
  }
  // The window opens once the last doubling wave is done; after that, one is released as another ends.
  if (size >= limit) return released === start && inFlight > 0 ? 0 : Math.max(0, limit - inFlight);
  return inFlight > 0 ? 0 : size - (released - start);
}

export type StatusCounts = Record<InvocationStatus, number>;

export function countStatuses(statuses: readonly StoredInvocationStatus[]): StatusCounts {
  const out = Object.fromEntries(invocationStatuses.map((s) => [s, 0])) as StatusCounts;
  for (const s of statuses) out[s === 'Delivering' ? 'Pending' : s]++;
  return out;
}

export function printCounts(c: StatusCounts): string {
  return invocationStatuses
    .filter((s) => c[s] > 0)
    .map((s) => `${s} ${c[s]}`)
    .join(', ');
}

export interface Verdict {
  status: CommandRunStatus;
  reason: string;
  missing: number;
}

/** The run's outcome once every invocation is terminal. */
export function verdictOf(
  run: { selector: string; expected: number; targets: number; cancelled: boolean },
  counts: StatusCounts,
): Verdict {
  const ok = counts.Success;
  const missing = Math.max(0, run.expected - ok);
  const tally = printCounts(counts);
  if (run.targets === 0) return { status: 'Failed', reason: `no agent matched ${run.selector}`, missing };
  if (run.cancelled)
    return {
      status: 'Cancelled',
      reason: `cancelled: ${ok} of ${run.expected} expected hosts succeeded (${tally})`,
      missing,
    };
  const parts: string[] = [];
  if (run.targets > run.expected)
    parts.push(
      `${run.targets} hosts matched ${run.selector} but ${run.expected} were expected: ` +
        `${run.targets - run.expected} more than expected`,
    );
  if (ok === run.expected && ok > 0 && parts.length === 0)
    return { status: 'Success', reason: `${ok} of ${run.expected} expected hosts succeeded`, missing: 0 };
  if (ok !== run.expected || ok === 0)
    parts.unshift(`${ok} of ${run.expected} expected hosts succeeded${missing ? `: ${missing} missing` : ''}`);
  return { status: 'Failed', reason: `${parts.join('; ')} (${tally})`, missing };
}
