/**
 * The quorum rule of a monitor checked from several locations (docs/monitors.md, "Checking from several
 * locations"). Each location asked reports up, down, or nothing by the deadline (unknown). With L locations
 * asked and q the quorum (a number; a share of L rounded up; a majority of L by default; at least 1):
 *   - at least q locations reported down → the check failed;
 *   - otherwise, fewer than q locations answered at all → the check failed ("not enough locations answered")
 *     only if the server's own location reported down; else it passed;
 *   - otherwise it passed.
 * A pure function of the answers: the state machine (monitor-state.ts) takes its outcome as one check's.
 */
import type { Quorum } from '@tocsin/protocol';

export type LocationStatus = 'up' | 'down' | 'unknown';

/** The server's own location's id; an agent's is its agent id. */
export const SERVER_LOCATION = 'server';

export interface LocationResult {
  /** `server`, or the agent's id. */
  id: string;
  /** What people read: `server`, or the agent's host name. */
  label: string;
  status: LocationStatus;
  latencyMs: number | null;
  message: string;
}

export interface QuorumOutcome {
  up: boolean;
  reason: string;
  /** The labels of the locations that reported down. */
  failed: string[];
  asked: number;
  answered: number;
  quorum: number;
}

/** The number of failing locations that fails a check, out of `asked`. */
export function quorumOf(q: Quorum | undefined, asked: number): number {
  if (q === undefined) return Math.floor(asked / 2) + 1;
  if (typeof q === 'number') return q;
  return Math.max(1, Math.ceil((Number.parseInt(q, 10) * asked) / 100));
}

function listed(results: readonly LocationResult[]): string {
  return results.map((r) => `${r.label}: ${r.message}`).join('; ');
}

/** One check's outcome from every location's answer. */
export function decideQuorum(results: readonly LocationResult[], q: Quorum | undefined): QuorumOutcome {
  const asked = results.length;
  const quorum = quorumOf(q, asked);
  const down = results.filter((r) => r.status === 'down');
  const answered = results.filter((r) => r.status !== 'unknown').length;
  const base = { failed: down.map((r) => r.label), asked, answered, quorum };
  if (down.length >= quorum)
    return {
      ...base,
      up: false,
      reason: `down from ${down.length} of ${asked} locations (quorum ${quorum}): ${listed(down)}`,
    };
  if (answered < quorum) {
    const server = results.find((r) => r.id === SERVER_LOCATION);
    const counts = `${answered} of ${asked}, quorum ${quorum}`;
    if (server?.status === 'down')
      return {
        ...base,
        up: false,
        reason: `not enough locations answered (${counts}); the server's check failed: ${server.message}`,
      };
    const failing = down.length ? `; down: ${listed(down)}` : '';
    return { ...base, up: true, reason: `not enough locations answered (${counts}), counted as up${failing}` };
  }
  const failing = down.length ? ` (down from ${down.length}, under the quorum of ${quorum}: ${listed(down)})` : '';
  return { ...base, up: true, reason: `up from ${answered - down.length} of ${asked} locations${failing}` };
}
