/**
 * Takes `probe` frames (a monitor checked from this host as one of its locations): only when started with
 * `--allow-probes`; checks the server's Ed25519 signature (the command key stored at enrolment) over the
 * frame for this agent, and that its deadline has not passed; runs the probe with the same code as the server
 * (`@tocsin/protocol/probes`: http, tcp, dns, tls) and answers `probe.result`. A frame refused (probes not
 * allowed, a bad signature, too late, a spec not understood, too many at once) gets no answer: the server
 * counts this location as unknown for that check, never as a failure.
 *
 * A probe here: received ──refused──▶ dropped; received ──taken──▶ running ──ended──▶ answered (if connected).
 */
import { verify } from 'node:crypto';
import { type AgentMessageInput, probeSigningText, probeSpecSchema, type ServerMessage } from '@tocsin/protocol';
import { isNetworkProbe, runNetworkProbe } from '@tocsin/protocol/probes';
import type { AgentLog } from './agent-log.js';

type ProbeFrame = Extract<ServerMessage, { type: 'probe' }>;

/** Probes running at once; more are refused (a monitor's checks are at least 5 s apart). */
export const MAX_PROBES_RUNNING = 64;

export interface ProbeRunnerOptions {
  enabled: boolean;
  agentId: string;
  /** The server's Ed25519 public key, PEM. */
  commandKey: string;
  log: AgentLog;
  now?: () => number;
}

export class ProbeRunner {
  private send?: (m: AgentMessageInput) => boolean;
  private readonly running = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly o: ProbeRunnerOptions) {
    this.now = o.now ?? Date.now;
  }

  connected(send: (m: AgentMessageInput) => boolean): void {
    this.send = send;
  }

  disconnected(): void {
    this.send = undefined;
  }

  handle(f: ProbeFrame): void {
    const refused = this.refusal(f);
    if (refused) {
      this.o.log.warn('probe refused', { monitor: f.monitor, checkId: f.checkId, reason: refused });
      return;
    }
    const spec = probeSpecSchema.parse(f.spec);
    if (!isNetworkProbe(spec)) return;
    const timeoutMs = Math.min(f.timeoutMs, Math.max(1, f.deadline - this.now()));
    const run = runNetworkProbe(spec, { timeoutMs }).then((r) => {
      this.send?.({
        type: 'probe.result',
        checkId: f.checkId,
        ok: r.up,
        latencyMs: Math.round(r.timings.totalMs * 10) / 10,
        message: r.reason.slice(0, 1024),
      });
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Why a frame is not run, or undefined to run it. */
  private refusal(f: ProbeFrame): string | undefined {
    if (!this.o.enabled) return 'probes are not allowed here (start the agent with --allow-probes)';
    if (!this.signed(f)) return 'bad signature';
    if (f.deadline <= this.now()) return 'its deadline passed';
    if (this.running.size >= MAX_PROBES_RUNNING) return `${MAX_PROBES_RUNNING} probes are running already`;
    const spec = probeSpecSchema.safeParse(f.spec);
    if (!spec.success) return `the probe is not understood: ${spec.error.issues[0]?.message ?? 'invalid'}`;
    if (!isNetworkProbe(spec.data)) return `a ${spec.data.type} check runs on the server only`;
    return undefined;
  }

  private signed(f: ProbeFrame): boolean {
    try {
      const text = probeSigningText({ ...f, agentId: this.o.agentId });
      return verify(null, Buffer.from(text), this.o.commandKey, Buffer.from(f.signature, 'base64'));
    } catch {
      return false;
    }
  }

  /** Resolves once every running probe has answered. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }
}
