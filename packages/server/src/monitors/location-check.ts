/**
 * One check of a monitor that has locations: the server's own probe (unless `includeServer` is false) and
 * the agents' at once, then the quorum rule (location-quorum.ts) makes them one outcome for the state machine.
 */
import type { ProbeSpec } from '@tocsin/protocol';
import { uuidv7 } from '../core/ids.js';
import { decideQuorum, SERVER_LOCATION, type LocationResult, type QuorumOutcome } from './location-quorum.js';
import type { RemoteProber } from './location-ports.js';
import type { Monitor } from './monitor-types.js';
import type { ProbeContext, ProbeResult } from '@tocsin/protocol/probes';

/** How long after the probe's timeout an agent's answer may still arrive (the trip back over the WebSocket). */
export const ANSWER_GRACE_MS = 2_000;

export interface LocatedCheck {
  result: ProbeResult;
  outcome: QuorumOutcome;
  locations: LocationResult[];
}

export async function runLocatedCheck(
  m: Monitor & { locations: NonNullable<Monitor['locations']> },
  probe: (spec: ProbeSpec, ctx: ProbeContext) => Promise<ProbeResult>,
  remote: RemoteProber,
  ctx: ProbeContext & { now: number },
): Promise<LocatedCheck> {
  const spec = m.probe as ProbeSpec;
  const started = performance.now();
  const [own, answers] = await Promise.all([
    m.locations.includeServer ? probe(spec, ctx) : Promise.resolve(undefined),
    remote
      .probe({
        monitor: m.name,
        checkId: uuidv7(ctx.now),
        spec,
        agents: m.locations.agents,
        timeoutMs: m.timeoutMs,
        deadline: ctx.now + m.timeoutMs + ANSWER_GRACE_MS,
      })
      .catch(() => []),
  ]);
  const locations: LocationResult[] = [];
  if (own)
    locations.push({
      id: SERVER_LOCATION,
      label: SERVER_LOCATION,
      status: own.up ? 'up' : 'down',
      latencyMs: Math.round(own.timings.totalMs),
      message: own.reason,
    });
  // The server first, then the agents by host name: the reasons read the same from check to check.
  for (const a of [...answers].sort(
    (x, y) => x.hostname.localeCompare(y.hostname) || x.agentId.localeCompare(y.agentId),
  ))
    locations.push({
      id: a.agentId,
      label: a.hostname,
      status: a.up === null ? 'unknown' : a.up ? 'up' : 'down',
      latencyMs: a.latencyMs === null ? null : Math.round(a.latencyMs),
      message: a.message,
    });
  const outcome = decideQuorum(locations, m.locations.quorum);
  // The latency of the check is the server's own when it took part, else the slowest answer's.
  const latencies = locations.flatMap((l) => (l.latencyMs === null ? [] : [l.latencyMs]));
  const totalMs = own ? own.timings.totalMs : latencies.length ? Math.max(...latencies) : performance.now() - started;
  const result: ProbeResult = {
    up: outcome.up,
    reason: outcome.reason,
    timings: own ? own.timings : { totalMs },
    statusCode: own?.statusCode,
  };
  return { result, outcome, locations };
}
