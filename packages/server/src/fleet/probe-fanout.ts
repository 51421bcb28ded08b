/**
 * A monitor's probe sent to its agent locations, and their answers back (monitors/location-ports.ts).
 *
 * For one check: the online agents with the monitor's tags that run probes (their hello said
 * `--allow-probes`) are its agent locations. Each one connected to this node gets a signed `probe` frame at
 * once; one connected to another node gets it through that node (probe-relay.ts). An answer is taken from the
 * agent it was sent to, once, until the deadline; then the agents that did not answer count as unknown.
 *
 * A pending probe's states: sent (here, or relayed) ──probe.result from its agent──▶ answered;
 *   sent ──deadline, or its connection here closed──▶ unknown.
 */
import type { ServerMessage } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { RemoteAnswer, RemoteProbeRequest, RemoteProber } from '../monitors/location-ports.js';
import type { ProbeResultMessage } from './agent-hub.js';
import type { ProbeLocationAgent } from './agent-service.js';
import type { SignedProbeFields } from './enrollment-service.js';
import type { ProbeRelay } from './probe-relay.js';

export interface ProbeFanOutPorts {
  nodeId: string;
  locations(selector: RemoteProbeRequest['agents']): Promise<ProbeLocationAgent[]>;
  sign(fields: SignedProbeFields): string;
  send(agentId: string, frame: ServerMessage): boolean;
  isConnectedHere(agentId: string): boolean;
  onProbeResult(h: (agentId: string, m: ProbeResultMessage) => void): void;
  onDisconnect(h: (agentId: string) => void): void;
  relay: Pick<ProbeRelay, 'listen' | 'request' | 'answer' | 'answers' | 'finish'>;
  logger: Logger;
}

interface Pending {
  hostname: string;
  /** The node it was relayed through; undefined when sent from here. */
  via?: string;
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
        if (p && !p.via && !p.answer) this.settle(p, agentId, null, 'disconnected before answering');
      }
    });
    ports.relay.listen((checkIds) => {
      for (const id of checkIds) if (this.pending.has(id)) void this.readRelayed(id);
    });
  }

  async probe(req: RemoteProbeRequest): Promise<RemoteAnswer[]> {
    let agents: ProbeLocationAgent[];
    try {
      agents = await this.ports.locations(req.agents);
    } catch (err) {
      this.ports.logger.warn('finding the agent locations failed', { monitor: req.monitor, err });
      return [];
    }
    const byAgent = new Map<string, Pending>();
    this.pending.set(req.checkId, byAgent);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, req.deadline - this.clock.now()));
    });
    let relayed = false;
    try {
      const waits: Promise<void>[] = [];
      const away: { agentId: string; frame: ServerMessage }[] = [];
      for (const a of agents) {
        const here = this.ports.isConnectedHere(a.id);
        if (!here && (a.node === null || a.node === this.ports.nodeId)) continue;
        const frame = this.frameFor(a.id, req);
        const via = here ? undefined : (a.node ?? undefined);
        waits.push(new Promise<void>((done) => byAgent.set(a.id, { hostname: a.hostname, via, done })));
        if (via) away.push({ agentId: a.id, frame });
        else if (!this.ports.send(a.id, frame)) this.drop(byAgent, a.id);
      }
      if (away.length) {
        relayed = true;
        await this.ports.relay.request(req.checkId, away, req.deadline).catch((err) => {
          this.ports.logger.warn('relaying probes to other nodes failed', { monitor: req.monitor, err });
          for (const { agentId } of away) this.drop(byAgent, agentId);
        });
      }
      await Promise.race([Promise.all(waits), deadline]);
      // The notice of an answer may have been lost: the table has it.
      if (relayed && [...byAgent.values()].some((p) => p.via && !p.answer)) await this.readRelayed(req.checkId);
    } finally {
      clearTimeout(timer);
      this.pending.delete(req.checkId);
      if (relayed) void this.ports.relay.finish(req.checkId).catch(() => {});
    }
    return agents.map((a) => this.outcome(a, byAgent.get(a.id)));
  }

  /** A probe that was not sent after all: no longer waited for. */
  private drop(byAgent: Map<string, Pending>, agentId: string): void {
    byAgent.get(agentId)?.done();
    byAgent.delete(agentId);
  }

  private frameFor(agentId: string, req: RemoteProbeRequest): ServerMessage {
    const fields = {
      agentId,
      checkId: req.checkId,
      monitor: req.monitor,
      spec: req.spec,
      timeoutMs: req.timeoutMs,
      deadline: req.deadline,
    };
    const { agentId: _a, ...frame } = fields;
    return { type: 'probe', ...frame, signature: this.ports.sign(fields) };
  }

  private outcome(a: ProbeLocationAgent, p: Pending | undefined): RemoteAnswer {
    if (p?.answer) return p.answer;
    const unknown = (message: string) => ({ agentId: a.id, hostname: a.hostname, up: null, latencyMs: null, message });
    if (p) return unknown(p.via ? `no answer by the deadline (through node ${p.via})` : 'no answer by the deadline');
    if (this.ports.isConnectedHere(a.id)) return unknown('the probe could not be sent');
    return unknown(a.node ? `not reachable through node ${a.node}` : 'not connected');
  }

  private settle(p: Pending, agentId: string, up: boolean | null, message: string, latencyMs: number | null = null) {
    p.answer = { agentId, hostname: p.hostname, up, latencyMs, message };
    p.done();
  }

  private answered(agentId: string, m: ProbeResultMessage): void {
    const p = this.pending.get(m.checkId)?.get(agentId);
    if (p && !p.via) {
      if (!p.answer) this.settle(p, agentId, m.ok, m.message, m.latencyMs);
      return;
    }
    // Another node's check (or one ended here already): written for that node, if it still waits.
    void this.ports.relay
      .answer(agentId, m)
      .catch((err) => this.ports.logger.warn('recording a relayed probe answer failed', { agentId, err }));
  }

  private async readRelayed(checkId: string): Promise<void> {
    const byAgent = this.pending.get(checkId);
    if (!byAgent) return;
    try {
      for (const a of await this.ports.relay.answers(checkId)) {
        const p = byAgent.get(a.agentId);
        if (p?.via && !p.answer) this.settle(p, a.agentId, a.ok, a.message, a.latencyMs);
      }
    } catch (err) {
      this.ports.logger.warn('reading relayed probe answers failed', { checkId, err });
    }
  }
}
