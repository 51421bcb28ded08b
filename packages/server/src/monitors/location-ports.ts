/**
 * What a monitor checked from several locations needs from the fleet, declared here so that the two domains
 * meet only in the composition root: send a probe to the agents with some tags, and hear their answers.
 */
import type { ProbeSpec, TagSelector } from '@tocsin/protocol';

export interface RemoteProbeRequest {
  monitor: string;
  /** Unique per check: an answer names it. */
  checkId: string;
  spec: ProbeSpec;
  agents: TagSelector;
  timeoutMs: number;
  /** Epoch ms on the server's clock: an answer after it is not counted. */
  deadline: number;
}

/** One agent location's answer; `up` null when it did not answer by the deadline (or could not be asked). */
export interface RemoteAnswer {
  agentId: string;
  hostname: string;
  up: boolean | null;
  latencyMs: number | null;
  message: string;
}

export interface RemoteProber {
  /** Asks every matching agent that runs probes; resolves once all answered or the deadline passed. Never throws. */
  probe(req: RemoteProbeRequest): Promise<RemoteAnswer[]>;
}

/** No fleet (or a test without one): no agent location. */
export const noRemoteProber: RemoteProber = { probe: async () => [] };
