/**
 * A fleet of pretend agents for run-command tests: the AgentLink and AgentDirectory the agent hub provides,
 * with agents that answer like real ones would (started, then a result) when the test says `answer()`.
 */
import { createHash } from 'node:crypto';
import { tagsMatch, type ServerMessage, type TagSelector } from '@tocsin/protocol';
import type { AgentDirectory, AgentLink, CommandMessage, DirectoryAgent } from '../fleet/command-ports.js';

export type Behaviour = 'ok' | 'fail' | 'silent' | 'start-only' | 'huge';

export interface FakeAgent {
  id: string;
  hostname: string;
  tags: Record<string, string>;
  connected: boolean;
  behaviour: Behaviour;
}

export class FakeFleet implements AgentLink, AgentDirectory {
  readonly agents = new Map<string, FakeAgent>();
  readonly groups = new Map<string, number>();
  /** Every frame sent, in order, with its agent. */
  readonly frames: { agentId: string; frame: ServerMessage }[] = [];
  /** command.run frames received and not answered yet. */
  private queue: { agentId: string; frame: Extract<ServerMessage, { type: 'command.run' }> }[] = [];
  maxInFlight = 0;
  private messageHandlers: ((agentId: string, m: CommandMessage) => void)[] = [];
  private connectHandlers: ((agentId: string) => void)[] = [];

  add(id: string, tags: Record<string, string>, behaviour: Behaviour = 'ok', connected = true): void {
    this.agents.set(id, { id, hostname: `${id}.example`, tags, connected, behaviour });
  }

  send(agentId: string, frame: ServerMessage): boolean {
    if (!this.agents.get(agentId)?.connected) return false;
    this.frames.push({ agentId, frame });
    if (frame.type === 'command.run') {
      this.queue.push({ agentId, frame });
      this.maxInFlight = Math.max(this.maxInFlight, this.queue.length);
    }
    return true;
  }

  isConnectedHere(agentId: string): boolean {
    return this.agents.get(agentId)?.connected ?? false;
  }

  onCommandMessage(h: (agentId: string, m: CommandMessage) => void): void {
    this.messageHandlers.push(h);
  }

  onConnect(h: (agentId: string) => void): void {
    this.connectHandlers.push(h);
  }

  connect(agentId: string): void {
    this.agents.get(agentId)!.connected = true;
    for (const h of this.connectHandlers) h(agentId);
  }

  /** As the agent would: a frame to the server. */
  deliver(agentId: string, m: CommandMessage): void {
    for (const h of this.messageHandlers) h(agentId, m);
  }

  /** Every queued command.run is answered as its agent's behaviour says; returns how many. */
  answer(): number {
    const batch = this.queue;
    this.queue = [];
    for (const { agentId, frame } of batch) {
      const b = this.agents.get(agentId)!.behaviour;
      if (b === 'silent') continue;
      this.deliver(agentId, { type: 'command.started', invocationId: frame.invocationId });
      if (b === 'start-only') continue;
      const huge = b === 'huge';
      this.deliver(agentId, {
        type: 'command.result',
        invocationId: frame.invocationId,
        status: b === 'fail' ? 'Failed' : 'Success',
        exitCode: b === 'fail' ? 1 : 0,
        stdout: huge ? 'x'.repeat(24_000) : `hello from ${agentId}`,
        stderr: huge ? 'e'.repeat(8_000) : '',
        stdoutTruncated: huge,
        stderrTruncated: huge,
        startedAt: 1,
        endedAt: 2,
      });
    }
    return batch.length;
  }

  async match(targets: { tags?: TagSelector; agents?: string[] }): Promise<DirectoryAgent[]> {
    return [...this.agents.values()]
      .filter(
        (a) => (!targets.tags || tagsMatch(a.tags, targets.tags)) && (!targets.agents || targets.agents.includes(a.id)),
      )
      .map((a) => ({
        id: a.id,
        hostname: a.hostname,
        tags: a.tags,
        state: a.connected ? 'online' : 'offline',
        commandsEnabled: true,
      }));
  }

  async groupExpectedSize(name: string): Promise<number | undefined> {
    return this.groups.get(name);
  }

  signCommand(f: { agentId: string; invocationId: string; command: string; timeoutMs: number; notAfter: number }) {
    return createHash('sha256').update(JSON.stringify(f)).digest('base64');
  }
}
