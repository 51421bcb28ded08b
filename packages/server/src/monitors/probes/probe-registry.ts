/**
 * Every probe type, keyed by `type`: the network probes shared with the agent (`@tocsin/protocol/probes`) and
 * the object probe; adding a type is one file and one line here.
 */
import type { ProbeSpec } from '@tocsin/protocol';
import { networkProbes, runGuarded, type Probe, type ProbeContext, type ProbeResult } from '@tocsin/protocol/probes';
import { objectProbe } from './object-probe.js';

type ProbeOf<T extends ProbeSpec['type']> = Probe<Extract<ProbeSpec, { type: T }>>;

export const probes: { readonly [T in ProbeSpec['type']]: ProbeOf<T> } = {
  ...networkProbes,
  object: objectProbe,
};

/**
 * Runs the probe for `spec.type`. Never throws: an unknown type or anything
 * a probe throws unexpectedly becomes a down result.
 */
export async function runProbe(spec: ProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const probe = Object.hasOwn(probes, spec?.type) ? (probes[spec.type] as Probe<ProbeSpec>) : undefined;
  if (!probe) return { up: false, reason: `unknown probe type '${String(spec?.type)}'`, timings: { totalMs: 0 } };
  return runGuarded(probe, spec, ctx);
}
