/**
 * A monitor's probe sent to its agent locations, and their answers back (monitors/location-ports.ts).
 *
 * For one check: the online agents with the monitor's tags that run probes (their hello said
 * `--allow-probes`) are its agent locations. Each one connected to this node gets a signed `probe` frame;
 * one connected to another node is not asked and counts as unknown (the check runs where its monitor's
 * lease is, and a probe goes only over a connection held here). An answer is taken from the agent it was
 * sent to, once, until the deadline; then the agents that did not answer count as unknown.
 *
 * A pending probe's states: sent ──probe.result from its agent──▶ answered; sent ──deadline, or the
 * connection closed──▶ unknown.
 */
import type { ServerMessage } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import type { RemoteAnswer, RemoteProbeRequest, RemoteProber } from '../monitors/location-ports.js';
import type { ProbeResultMessage } from './agent-hub.js';
import type { ProbeLocationAgent } from './agent-service.js';
import type { SignedProbeFields } from './enrollment-service.js';

export interface ProbeFanOutPorts {
  locations(selector: RemoteProbeRequest['agents']): Promise<ProbeLocationAgent[]>;
  sign(fields: SignedProbeFields): string;
  send(agentId: string, frame: ServerMessage): boolean;
  isConnectedHere(agentId: string): boolean;
  onProbeResult(h: (agentId: string, m: ProbeResultMessage) => void): void;
  onDisconnect(h: (agentId: string) => void): void;
}

interface Pending {
  hostname: string;
  answer?: RemoteAnswer;
  done: () => void;
}

export class ProbeFanOut implements RemoteProber {
  /** By check id, then agent id. */
  private readonly pending = new Map<string, Map<string, Pending>>();

  constructor(
    private readonly ports: ProbeFanOutPorts,
    private readonly clock: Clock,
  ) {
    ports.onProbeResult((agentId, m) => this.answered(agentId, m));
    ports.onDisconnect((agentId) => {
      for (const byAgent of this.pending.values()) {
        const p = byAgent.get(agentId);
        if (!p || p.answer) continue;
        p.answer = {
          agentId,
          hostname: p.hostname,
          up: null,
          latencyMs: null,
          message: 'disconnected before answering',
        };
        p.done();
      }
    });
  }

  async probe(req: RemoteProbeRequest): Promise<RemoteAnswer[]> {
    let agents: ProbeLocationAgent[];
    try {
      agents = await this.ports.locations(req.agents);
    } catch {
      return [];
    }
    const byAgent = new Map<string, Pending>();
    this.pending.set(req.checkId, byAgent);
    const waits: Promise<void>[] = [];
    const unknown = (a: ProbeLocationAgent, message: string): RemoteAnswer => ({
      agentId: a.id,
      hostname: a.hostname,
      up: null,
      latencyMs: null,
      message,
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, req.deadline - this.clock.now()));
    });
    try {
      for (const a of agents) {
        if (!this.ports.isConnectedHere(a.id)) continue;
        const fields = {
          agentId: a.id,
          checkId: req.checkId,
          monitor: req.monitor,
          spec: req.spec,
          timeoutMs: req.timeoutMs,
          deadline: req.deadline,
        };
        const wait = new Promise<void>((done) => byAgent.set(a.id, { hostname: a.hostname, done }));
        const { agentId: _a, ...frame } = fields;
        if (this.ports.send(a.id, { type: 'probe', ...frame, signature: this.ports.sign(fields) })) waits.push(wait);
        else byAgent.delete(a.id);
      }
      await Promise.race([Promise.all(waits), deadline]);
    } finally {
      clearTimeout(timer);
      this.pending.delete(req.checkId);
    }
    return agents.map((a) => {
      const p = byAgent.get(a.id);
      if (p?.answer) return p.answer;
      if (p) return unknown(a, 'no answer by the deadline');
      if (this.ports.isConnectedHere(a.id)) return unknown(a, 'the probe could not be sent');
      return unknown(a, `connected to another node (${a.node ?? 'none'}): not asked`);
    });
  }

  private answered(agentId: string, m: ProbeResultMessage): void {
    const p = this.pending.get(m.checkId)?.get(agentId);
    if (!p || p.answer) return;
    p.answer = { agentId, hostname: p.hostname, up: m.ok, latencyMs: m.latencyMs, message: m.message };
    p.done();
  }
}
