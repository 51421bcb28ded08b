/**
 * The last few check results of every monitor this node checks, in memory,
 * for the monitor list's sparklines and uptime bars: one answer for 10,000
 * monitors without a query. Lost at a restart (the bars fill again as checks
 * run); in a cluster each node holds those of the monitors it checks.
 */

/** Results kept per monitor. */
export const RECENT_RESULTS = 30;

interface Ring {
  /** Oldest first. */
  latencyMs: number[];
  up: boolean[];
  lastAt: number;
}

export interface RecentSeries {
  /** Oldest first, at most RECENT_RESULTS. */
  latencyMs: number[];
  up: boolean[];
  lastAt: number | null;
}

const EMPTY: RecentSeries = { latencyMs: [], up: [], lastAt: null };

export class RecentResults {
  private readonly byName = new Map<string, Ring>();

  constructor(private readonly keep = RECENT_RESULTS) {}

  record(name: string, up: boolean, latencyMs: number, at: number): void {
    let ring = this.byName.get(name);
    if (!ring) {
      ring = { latencyMs: [], up: [], lastAt: at };
      this.byName.set(name, ring);
    }
    ring.latencyMs.push(latencyMs);
    ring.up.push(up);
    ring.lastAt = at;
    if (ring.up.length > this.keep) {
      ring.latencyMs.shift();
      ring.up.shift();
    }
  }

  of(name: string): RecentSeries {
    return this.byName.get(name) ?? EMPTY;
  }

  forget(name: string): void {
    this.byName.delete(name);
  }
}
