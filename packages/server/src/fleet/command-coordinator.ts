/**
 * The coordinator of command runs: one scheduler key per run in progress, so that on several nodes one node
 * drives each run, and a dead node's runs move with its keys. It wakes when an invocation changes (the change
 * bus, or a frame taken here) and at the earliest deadline, and each time:
 *   1. expires what is late: released and not started by notAfter + grace → Undeliverable; started and not done by
 *      startedAt + executionTimeout + grace → TimedOut (its agent is sent command.cancel, to kill the process group);
 *      after a cancel, not done within CANCEL_GRACE → Cancelled;
 *   2. once errors exceed MaxErrors (or a cancel was asked), Pending and released-but-unsent → Cancelled;
 *   3. releases what the rate controls allow (Pending → Delivering), announcing the run so that nodes send it;
 *   4. when every invocation is terminal, ends the run with its verdict and queues the completion event in the
 *      same transaction (a compare-and-set on the run's status, so it ends once).
 *
 * Run states: InProgress ──all terminal──▶ Success | Failed | Cancelled.
 * Invocation states: Pending ──released──▶ Delivering (shown Pending) ──started──▶ InProgress ──result──▶
 *   Success | Failed | TimedOut | Cancelled | Undeliverable; Delivering ──notAfter passed──▶ Undeliverable;
 *   Pending | Delivering (unsent) ──MaxErrors or cancel──▶ Cancelled; InProgress ──deadline──▶ TimedOut.
 */
import { printSelector, type EventInput } from '@tocsin/protocol';
import type { AppContext } from '../app-module.js';
import type { CommandDelivery } from './command-delivery.js';
import { COMMANDS_TOPIC } from './command-delivery.js';
import {
  ERROR_STATUSES,
  concurrencyLimit,
  countStatuses,
  errorLimit,
  isTerminal,
  releasable,
  verdictOf,
  type StatusCounts,
  type Verdict,
} from './command-rollout.js';
import * as store from './command-store.js';

export const COMMAND_JOB = 'command-run';
/** Frames in flight when a deadline passes still count: a deadline is this much later than the agent's. */
export const DEADLINE_GRACE_MS = 5_000;
export const CANCEL_GRACE_MS = 30_000;

export class CommandCoordinator {
  constructor(
    private readonly ctx: AppContext,
    private readonly delivery: CommandDelivery,
  ) {}

  /**
   * The scheduler's handler: advances the run; returns when it is due next, or null once it ended. It runs at every
   * result an agent sends, so each step reads the run without its targets and the invocations as counts (one
   * aggregate query), lists them only when one is past its deadline, and releases or cancels in one statement.
   */
  async advance(runId: string): Promise<number | null> {
    const db = this.ctx.db;
    const run = await store.getRunHead(db, runId);
    if (run?.status !== 'InProgress') return null;
    let p = progressOf(await store.runProgress(db, runId));
    let changed = false;
    const due = this.earliestDeadline(run, p.groups);
    if (due !== undefined && due <= this.ctx.clock.now()) {
      const expired = await this.expire(run, await store.listInvocationStates(db, runId));
      if (expired.length) p = progressOf(await store.runProgress(db, runId));
      changed = expired.length > 0;
      if (expired.includes('TimedOut')) {
        // The agents holding them are told to stop them: those connected here now, the others by their node.
        await this.ctx.cluster.changes.publish(db, COMMANDS_TOPIC, [runId]);
        await this.delivery.deliverHere([runId]);
      }
    }
    const errors = [...ERROR_STATUSES].reduce((sum, st) => sum + p.count(st), 0);
    if (!run.stopped && !run.cancelRequested && errors > errorLimit(run.spec.maxErrors, p.total)) {
      await store.setRunFlags(db, runId, { stopped: 1 });
      run.stopped = true;
    }
    if (run.stopped || run.cancelRequested) {
      const why = run.cancelRequested ? 'cancelled' : `stopped: ${errors} errors exceeded MaxErrors`;
      if (p.count('Pending') > 0 || p.groups.some((g) => g.status === 'Delivering' && !g.sent))
        changed = (await store.cancelUnsent(db, runId, why, this.ctx.clock.now())) > 0 || changed;
      // The cancels of what runs on agents connected here (other nodes send theirs on the announcement).
      if (run.cancelRequested) await this.delivery.deliverHere([runId]);
    } else {
      // A release can allow another at once (the wave that reaches MaxConcurrency becomes a sliding window).
      let released = false;
      while (await this.release(run, p)) {
        released = true;
        p = progressOf(await store.runProgress(db, runId));
      }
      if (released) {
        await this.ctx.cluster.changes.publish(db, COMMANDS_TOPIC, [runId]);
        await this.delivery.deliverHere([runId]);
        changed = true;
      }
    }
    if (changed) p = progressOf(await store.runProgress(db, runId));
    if (p.groups.every((g) => isTerminal(g.status))) {
      await this.finish(run, p.counts(), p.total);
      return null;
    }
    const next = this.earliestDeadline(run, p.groups);
    return next === undefined ? null : Math.max(this.ctx.clock.now(), next);
  }

  /** The earliest deadline of the groups (as deadlineOf gives it for each invocation of a group). */
  private earliestDeadline(run: store.RunHead, groups: readonly store.ProgressGroup[]): number | undefined {
    const s = run.spec;
    let at: number | undefined;
    for (const g of groups) {
      if (isTerminal(g.status)) continue;
      let t: number | undefined;
      if (run.cancelRequested && g.cancelSent) t = (g.minCancelSentAt ?? 0) + CANCEL_GRACE_MS;
      else if (g.status === 'Delivering' && g.minReleasedAt !== undefined)
        t = g.minReleasedAt + s.deliveryTimeout + DEADLINE_GRACE_MS;
      else if (g.status === 'InProgress' && g.minStartedAt !== undefined)
        t = g.minStartedAt + s.executionTimeout + DEADLINE_GRACE_MS;
      if (t !== undefined && (at === undefined || t < at)) at = t;
    }
    return at;
  }

  /** Ends what is past its deadline; answers the statuses it moved invocations to. */
  private async expire(run: store.RunHead, invs: store.InvocationState[]): Promise<string[]> {
    const now = this.ctx.clock.now();
    const moved: string[] = [];
    for (const i of invs) {
      const d = this.deadlineOf(run, i);
      if (d === undefined || d.at > now) continue;
      const from = i.status === 'Delivering' ? (['Delivering'] as const) : (['InProgress'] as const);
      if (await store.casInvocation(this.ctx.db, i.id, from, { status: d.status, reason: d.reason, ended_at: now }))
        moved.push(d.status);
    }
    return moved;
  }

  private deadlineOf(run: store.RunHead, i: store.InvocationState) {
    const s = run.spec;
    if (run.cancelRequested && i.cancelSentAt !== undefined && !isTerminal(i.status))
      return {
        at: i.cancelSentAt + CANCEL_GRACE_MS,
        status: 'Cancelled',
        reason: 'cancelled; the agent did not confirm',
      };
    if (i.status === 'Delivering' && i.releasedAt !== undefined)
      return {
        at: i.releasedAt + s.deliveryTimeout + DEADLINE_GRACE_MS,
        status: 'Undeliverable',
        reason: i.sentAt ? 'sent, but the agent did not start it in time' : 'the agent was not connected in time',
      };
    if (i.status === 'InProgress' && i.startedAt !== undefined)
      return {
        at: i.startedAt + s.executionTimeout + DEADLINE_GRACE_MS,
        status: 'TimedOut',
        reason: 'no result within the execution timeout',
      };
    return undefined;
  }

  /** Releases what MaxConcurrency allows; says whether it released any. */
  private async release(run: store.RunHead, p: Progress): Promise<boolean> {
    const pending = p.count('Pending');
    if (!pending) return false;
    const inFlight = p.count('Delivering') + p.count('InProgress');
    const n = releasable(p.total - pending, inFlight, concurrencyLimit(run.spec.maxConcurrency, p.total));
    return (await store.releasePending(this.ctx.db, run.id, n, this.ctx.clock.now())) > 0;
  }

  /** Ends the run with its verdict and queues the completion event in the same transaction. */
  async finish(run: store.RunHead, counts: StatusCounts, targets: number): Promise<void> {
    const verdict = verdictOf(
      { selector: run.selector, expected: run.expected, targets, cancelled: run.cancelRequested },
      counts,
    );
    const now = this.ctx.clock.now();
    const queued = await this.ctx.db.transaction().execute(async (trx) => {
      const ended = await store.finishRun(trx, run.id, {
        status: verdict.status,
        reason: verdict.reason,
        counts,
        endedAt: now,
      });
      if (!ended || !run.spec.topics.length) return 0;
      return (await this.ctx.publisher.publishIn(trx, run.spec.topics, completionEvent(run, counts, verdict, now)))
        .deliveries;
    });
    if (queued) this.ctx.wakeOutbox();
  }
}

interface Progress {
  groups: store.ProgressGroup[];
  total: number;
  count(status: store.StoredInvocationStatus): number;
  counts(): StatusCounts;
}

function progressOf(groups: store.ProgressGroup[]): Progress {
  const by = new Map<store.StoredInvocationStatus, number>();
  for (const g of groups) by.set(g.status, (by.get(g.status) ?? 0) + g.n);
  return {
    groups,
    total: groups.reduce((sum, g) => sum + g.n, 0),
    count: (status) => by.get(status) ?? 0,
    counts: () => {
      const out = countStatuses([]);
      for (const [status, n] of by) out[status === 'Delivering' ? 'Pending' : status] += n;
      return out;
    },
  };
}

const kindOf = { Success: 'command.succeeded', Failed: 'command.failed', Cancelled: 'command.cancelled' } as const;
const severityOf = { Success: 'ok', Failed: 'error', Cancelled: 'warning' } as const;

/** As seed 001's Slack message: the selector's key and values, then what happened. */
export function completionEvent(run: store.RunHead, counts: StatusCounts, v: Verdict, at: number): EventInput {
  const status = v.status === 'InProgress' ? 'Failed' : v.status;
  const tags = run.spec.targets.tags ?? {};
  const keys = Object.entries(tags).map(([k, val]) => `key: ${k}\nvalue: ${Array.isArray(val) ? val.join(', ') : val}`);
  const agents = run.spec.targets.agents ? [`agents: ${run.spec.targets.agents.join(', ')}`] : [];
  const verb = { Success: 'succeeded', Failed: 'failed', Cancelled: 'was cancelled' }[status];
  return {
    kind: kindOf[status],
    severity: severityOf[status],
    source: { type: 'command', name: run.id, tags: {} },
    title: `Run command ${verb} on ${run.selector}: ${v.reason}`.slice(0, 512),
    text: [...keys, ...agents, `command: ${run.command}`, v.reason].join('\n'),
    attributes: {
      runId: run.id,
      command: run.command,
      targets: run.spec.targets.tags ? tags : { agents: run.spec.targets.agents },
      selector: run.spec.targets.tags ? printSelector(run.spec.targets.tags) : run.selector,
      expected: run.expected,
      counts,
      verdict: status,
      missing: v.missing,
    },
    dedupKey: `command:${run.id}`,
    time: at,
  };
}
