/**
 * Delivery of released invocations to the agents connected to THIS node, and their answers back.
 *
 * Every node, when told that a run changed (the change bus, or this node's own coordinator) and when an agent
 * connects here, sends the invocations of its connected agents that are released and not sent: a signed
 * `command.run` whose notAfter is releasedAt + deliveryTimeout. It marks one sent by compare-and-set first, so
 * two nodes never both send it, and clears the mark when the socket refused the frame.
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
    /** Told after a frame changed an invocation of the run: the coordinator advances it. */
    private readonly changed: (runId: string) => void,
  ) {}

  /** Sends what is due to agents connected here, for the given runs (or all). */
  async deliverHere(runIds?: readonly string[], agentIds?: readonly string[]): Promise<void> {
    const ids = runIds ?? (await store.activeRunIds(this.ctx.db));
    for (const runId of ids) {
      const run = await store.getRun(this.ctx.db, runId);
      if (run?.status !== 'InProgress') continue;
      const here = run.targets
        .map((t) => t.id)
        .filter((a) => (!agentIds || agentIds.includes(a)) && this.link.isConnectedHere(a));
      for (const inv of await store.undeliveredOf(this.ctx.db, here, [runId])) {
        if (inv.status === 'Delivering' && inv.sentAt === undefined) await this.send(run, inv);
        else if (run.cancelRequested && inv.sentAt !== undefined && inv.cancelSentAt === undefined)
          await this.sendCancel(inv);
      }
    }
  }

  async agentConnected(agentId: string): Promise<void> {
    const runs = [...new Set((await store.undeliveredOf(this.ctx.db, [agentId])).map((i) => i.runId))];
    await this.deliverHere(runs, [agentId]);
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
    if (!this.link.send(inv.agentId, frame))
      await store.casInvocation(this.ctx.db, inv.id, ['Delivering'], { sent_at: null, node: null });
  }

  private async sendCancel(inv: store.InvocationRecord): Promise<void> {
    const now = this.ctx.clock.now();
    const claimed = await store.casInvocation(
      this.ctx.db,
      inv.id,
      ['Delivering', 'InProgress'],
      { cancel_sent_at: now },
      { cancelUnsent: true },
    );
    if (claimed) this.link.send(inv.agentId, { type: 'command.cancel', invocationId: inv.id });
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
    this.changed(inv.runId);
  }
}
