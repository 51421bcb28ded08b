/** Every probe type, keyed by `type`; adding a type is one file and one line here. */
import type { ProbeSpec } from '@tocsin/protocol';
import { dnsProbe } from './dns-probe.js';
import { httpProbe } from './http-probe.js';
import { objectProbe } from './object-probe.js';
import type { Probe, ProbeContext, ProbeResult } from './probe.js';
import { tcpProbe } from './tcp-probe.js';
import { tlsProbe } from './tls-probe.js';

type ProbeOf<T extends ProbeSpec['type']> = Probe<Extract<ProbeSpec, { type: T }>>;

export const probes: { readonly [T in ProbeSpec['type']]: ProbeOf<T> } = {
  http: httpProbe,
  tcp: tcpProbe,
  dns: dnsProbe,
  tls: tlsProbe,
  object: objectProbe,
};

/**
 * Runs the probe for `spec.type`. Never throws: an unknown type or anything
 * a probe throws unexpectedly becomes a down result.
 */
export async function runProbe(spec: ProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const started = performance.now();
  const probe = Object.hasOwn(probes, spec?.type) ? (probes[spec.type] as Probe<ProbeSpec>) : undefined;
  if (!probe) return { up: false, reason: `unknown probe type '${String(spec?.type)}'`, timings: { totalMs: 0 } };
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
