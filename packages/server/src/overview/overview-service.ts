/**
 * The overview page's answer: what is wrong first (monitors down, heartbeats
 * late or down, alarms in ALARM, dead letters), then counts by state. Built
 * from the domains' memory; the only reads are the dead letters' count and
 * newest few (bounded by retention, through the outbox's status index) and,
 * in a cluster, the states of monitors other nodes check (as GET /api/monitors).
 */
import type { AlarmService } from '../alarms/alarm-service.js';
import type { Clock } from '../core/clock.js';
import type { HeartbeatRegistry } from '../heartbeats/heartbeat-registry.js';
import type { MonitorService } from '../monitors/monitor-service.js';
import type { DeliveryService, DeliveryView } from '../notify/delivery-service.js';

/** Dead letters listed with the overview. */
const NEWEST_DEAD = 5;

export interface Problem {
  name: string;
  state: string;
  /** When it entered this state (a monitor: its first failed check of the outage), ISO 8601. */
  since: string;
  reason: string | null;
}

export interface Overview {
  at: string;
  problems: {
    monitors: Problem[];
    heartbeats: Problem[];
    alarms: Problem[];
    deadLetters: { count: number; newest: DeliveryView[] };
  };
  counts: { monitors: Record<string, number>; heartbeats: Record<string, number>; alarms: Record<string, number> };
}

export interface OverviewSources {
  clock: Clock;
  monitors: MonitorService;
  heartbeats: HeartbeatRegistry;
  alarms: AlarmService;
  deliveries: DeliveryService;
}

/** Longest-standing problems first. */
const bySince = (a: Problem, b: Problem) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.name < b.name ? -1 : 1);
const iso = (t: number) => new Date(t).toISOString();

function tally(states: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of states) out[s] = (out[s] ?? 0) + 1;
  return out;
}

export class OverviewService {
  constructor(private readonly s: OverviewSources) {}

  async overview(): Promise<Overview> {
    const [deadLetters] = await Promise.all([
      this.s.deliveries.deadLetters(NEWEST_DEAD),
      this.s.monitors.refreshUnowned(),
    ]);
    const monitors = this.s.monitors.entries();
    const heartbeats = this.s.heartbeats.all();
    const alarms = this.s.alarms.list();
    return {
      at: iso(this.s.clock.now()),
      problems: {
        monitors: monitors
          .filter((e) => e.runtime.state === 'DOWN')
          .map((e) => ({
            name: e.monitor.name,
            state: e.runtime.state,
            since: iso(e.runtime.failingSince ?? e.runtime.stateChangedAt),
            reason: e.runtime.lastReason,
          }))
          .sort(bySince),
        heartbeats: heartbeats
          .filter((e) => e.runtime.state === 'LATE' || e.runtime.state === 'DOWN')
          .map((e) => ({
            name: e.row.name,
            state: e.runtime.state,
            since: iso(e.runtime.stateChangedAt),
            reason: e.runtime.lastReason,
          }))
          .sort(bySince),
        alarms: alarms
          .filter((e) => e.state === 'ALARM')
          .map((e) => ({ name: e.spec.name, state: e.state, since: iso(e.stateChangedAt), reason: e.reason }))
          .sort(bySince),
        deadLetters,
      },
      counts: {
        monitors: tally(monitors.map((e) => e.runtime.state)),
        heartbeats: tally(heartbeats.map((e) => e.runtime.state)),
        alarms: tally(alarms.map((e) => e.state)),
      },
    };
  }
}
