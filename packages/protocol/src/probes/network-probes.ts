/**
 * The probes that only need the network (http, tcp, dns, tls), keyed by `type`: the server runs them for its
 * own location and the agent for its (`--allow-probes`), so both judge a target by the same rules and say the
 * same reasons. Node built-ins only, no native code. The object probe (S3, files) stays with the server.
 */
import type { ProbeSpec } from '../monitor-probes.js';
import { dnsProbe } from './dns-probe.js';
import { httpProbe } from './http-probe.js';
import type { Probe, ProbeContext, ProbeResult } from './probe.js';
import { tcpProbe } from './tcp-probe.js';
import { tlsProbe } from './tls-probe.js';

export type NetworkProbeSpec = Extract<ProbeSpec, { type: 'http' | 'tcp' | 'dns' | 'tls' }>;
type ProbeOf<T extends NetworkProbeSpec['type']> = Probe<Extract<NetworkProbeSpec, { type: T }>>;

export const networkProbes: { readonly [T in NetworkProbeSpec['type']]: ProbeOf<T> } = {
  http: httpProbe,
  tcp: tcpProbe,
  dns: dnsProbe,
  tls: tlsProbe,
};

/** Whether a spec's type is one of the network probes. */
export function isNetworkProbe(spec: { type: string }): spec is NetworkProbeSpec {
  return Object.hasOwn(networkProbes, spec.type);
}

/**
 * Runs `probe` on `spec`. Never throws: anything a probe throws unexpectedly becomes a down result.
 */
export async function runGuarded<S extends { type: string }>(
  probe: Probe<S>,
  spec: S,
  ctx: ProbeContext,
): Promise<ProbeResult> {
  const started = performance.now();
  try {
    return await probe.run(spec, ctx);
  } catch (err) {
    const totalMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      up: false,
      reason: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
      timings: { totalMs },
    };
  }
}

/** Runs a network probe; an unknown type is a down result. */
export function runNetworkProbe(spec: NetworkProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  if (!isNetworkProbe(spec))
    return Promise.resolve({
      up: false,
      reason: `unknown probe type '${String((spec as { type?: unknown })?.type)}'`,
      timings: { totalMs: 0 },
    });
  return runGuarded(networkProbes[spec.type] as Probe<NetworkProbeSpec>, spec, ctx);
}
