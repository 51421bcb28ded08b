/**
 * Delivery of released invocations to the agents connected to THIS node, and their answers back.
 *
 * Every node, when told that a run changed (the change bus, or this node's own coordinator) and when an agent
 * connects here, sends the invocations of its connected agents that are released and not sent: a signed
 * `command.run` whose notAfter is releasedAt + deliveryTimeout. It marks one sent by compare-and-set first, so
 * two nodes never both send it, and clears the mark when the socket refused the frame.
 * A run cancelled (or stopped by MaxErrors) sends no more `command.run`; what was sent and still runs gets a
 * `command.cancel`, and so does an invocation the coordinator timed out (the agent did not report within the
 * execution timeout), whatever the run's state since, so that the agent kills its process group. Both are marked
 * (cancel_sent_at) by compare-and-set before they are sent, so they go once; one whose agent is not connected
 * anywhere goes when it connects again.
 * `command.started` moves Delivering → InProgress; `command.result` moves Delivering | InProgress → the status it
 * gives; a frame for a terminal invocation (or another agent's) changes nothing.
 */
import { STDERR_MAX, STDOUT_MAX, type ServerMessage } from '@tocsin/protocol';
import type { AppContext } from '../app-module.js';
import type { AgentDirectory, AgentLink, CommandMessage } from './command-ports.js';
import * as store from './command-store.js';

export const COMMANDS_TOPIC = 'commands';

export class CommandDelivery {
  constructor(
    private readonly ctx: AppContext,
    private readonly link: AgentLink,
    private readonly directory: AgentDirectory,
    /** Told after a frame changed an invocation of the run: the coordinator advances it by `at` (now if absent). */
    private readonly changed: (runId: string, at?: number) => void,
  ) {}

  /** The execution timeout of runs this node sent commands of, newest last (a few hundred at most). */
  private readonly executionTimeouts = new Map<string, number>();

  /** Sends what is due to agents connected here, for the given runs (or all). */
  async deliverHere(runIds?: readonly string[], agentIds?: readonly string[]): Promise<void> {
    const ids = runIds ?? (await store.activeRunIds(this.ctx.db));
    for (const runId of ids) {
      const run = await store.getRun(this.ctx.db, runId);
      if (!run) continue;
      const here = run.targets
        .map((t) => t.id)
        .filter((a) => (!agentIds || agentIds.includes(a)) && this.link.isConnectedHere(a));
      for (const inv of await store.unstoppedOf(this.ctx.db, here, [runId])) await this.sendCancel(inv, ['TimedOut']);
      if (run.status !== 'InProgress') continue;
      const halted = run.cancelRequested || run.stopped;
      for (const inv of await store.undeliveredOf(this.ctx.db, here, [runId])) {
        if (inv.status === 'Delivering' && inv.sentAt === undefined) {
          if (!halted) await this.send(run, inv);
        } else if (run.cancelRequested && inv.sentAt !== undefined && inv.cancelSentAt === undefined)
          await this.sendCancel(inv, ['Delivering', 'InProgress']);
      }
    }
  }

  async agentConnected(agentId: string): Promise<void> {
    const waiting = [
      ...(await store.undeliveredOf(this.ctx.db, [agentId])),
      ...(await store.unstoppedOf(this.ctx.db, [agentId])),
    ];
    await this.deliverHere([...new Set(waiting.map((i) => i.runId))], [agentId]);
  }

  private async send(run: store.RunRecord, inv: store.InvocationRecord): Promise<void> {
    const now = this.ctx.clock.now();
    const notAfter = (inv.releasedAt ?? now) + run.spec.deliveryTimeout;
    if (notAfter <= now) return;
    const claimed = await store.casInvocation(
      this.ctx.db,
      inv.id,
      ['Delivering'],
      { sent_at: now, node: this.ctx.nodeId },
      { unsent: true },
    );
    if (!claimed) return;
    const fields = {
      agentId: inv.agentId,
      invocationId: inv.id,
      command: run.command,
      timeoutMs: run.spec.executionTimeout,
      notAfter,
    };
    const frame: ServerMessage = {
      type: 'command.run',
      runId: run.id,
      ...fields,
      signature: this.directory.signCommand(fields),
    };
    this.executionTimeouts.delete(run.id);
    this.executionTimeouts.set(run.id, run.spec.executionTimeout);
    if (this.executionTimeouts.size > 256) this.executionTimeouts.delete(this.executionTimeouts.keys().next().value!);
    if (!this.link.send(inv.agentId, frame))
      await store.casInvocation(this.ctx.db, inv.id, ['Delivering'], { sent_at: null, node: null });
  }

  /** Sends command.cancel once for an invocation still in one of `from`. */
  private async sendCancel(inv: store.InvocationRecord, from: readonly store.StoredInvocationStatus[]): Promise<void> {
    const now = this.ctx.clock.now();
    const claimed = await store.casInvocation(
      this.ctx.db,
      inv.id,
      from,
      { cancel_sent_at: now },
      { cancelUnsent: true },
    );
    if (!claimed || this.link.send(inv.agentId, { type: 'command.cancel', invocationId: inv.id })) return;
    // Not on the socket after all: a timed-out one goes when its agent connects again.
    if (inv.status === 'TimedOut')
      await store.casInvocation(this.ctx.db, inv.id, ['TimedOut'], { cancel_sent_at: null });
  }

  /** Writes an agent's command.started or command.result; announces the run when it changed. */
  async receive(agentId: string, m: CommandMessage): Promise<void> {
    const db = this.ctx.db;
    const now = this.ctx.clock.now();
    const inv = await store.getInvocation(db, m.invocationId);
    if (!inv || inv.agentId !== agentId) return;
    let moved: boolean;
    if (m.type === 'command.started')
      moved = await store.casInvocation(
        db,
        inv.id,
        ['Delivering'],
        { status: 'InProgress', started_at: now },
        { agentId },
      );
    else
      moved = await store.casInvocation(
        db,
        inv.id,
        ['Delivering', 'InProgress'],
        {
          status: m.status,
          exit_code: m.exitCode,
          stdout: m.stdout.slice(0, STDOUT_MAX),
          stderr: m.stderr.slice(0, STDERR_MAX),
          stdout_truncated: m.stdoutTruncated || m.stdout.length > STDOUT_MAX ? 1 : 0,
          stderr_truncated: m.stderrTruncated || m.stderr.length > STDERR_MAX ? 1 : 0,
          reason: m.reason ?? null,
          started_at: inv.startedAt ?? m.startedAt ?? null,
          ended_at: now,
        },
        { agentId },
      );
    if (!moved) return;
    await this.ctx.cluster.changes.publish(db, COMMANDS_TOPIC, [inv.runId]);
    // A start changes nothing of the rollout, only the invocation's deadline (its execution timeout from now): the
    // coordinator need not run before it. Waking it at every start doubled its steps on a large fleet.
    const timeout = m.type === 'command.started' ? this.executionTimeouts.get(inv.runId) : undefined;
    this.changed(inv.runId, timeout === undefined ? undefined : now + timeout);
  }
}
