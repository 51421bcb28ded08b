/**
 * What a status page shows, built from the services that own each item:
 * the overall status, each item's state (with daily uptime for monitors and
 * heartbeats, healthy against expected for groups), the open incidents and
 * those resolved in the last 14 days, and maintenance windows open now or
 * within 7 days that cover an item. The cache (status-cache.ts) decides how
 * often this runs.
 */
import type { IncidentImpact } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import type { GroupService } from '../monitors/group-service.js';
import type { MaintenanceService } from '../monitors/maintenance-service.js';
import type { MonitorService } from '../monitors/monitor-service.js';
import type { Monitor } from '../monitors/monitor-types.js';
import type { HeartbeatService } from '../heartbeats/heartbeat-service.js';
import { incidentView, type IncidentView, type StatusPageService } from './status-page-service.js';
import { DAY_MS, firstDayOf, heartbeatUptime, monitorUptime, type DailyUptime } from './uptime-buckets.js';

export const BAR_DAYS = 90;
const RESOLVED_SHOWN_MS = 14 * DAY_MS;
const MAINTENANCE_AHEAD_MS = 7 * DAY_MS;

export type ItemState = 'up' | 'degraded' | 'down' | 'maintenance' | 'paused' | 'unknown';
export type OverallStatus = 'operational' | 'maintenance' | 'degraded' | 'partial_outage' | 'major_outage';
const overallOrder: OverallStatus[] = ['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage'];

export interface PublicItem {
  type: 'monitor' | 'heartbeat' | 'group';
  name: string;
  label: string;
  state: ItemState;
  /** The owner's own state name (UP, LATE, …). */
  detail: string;
  /** Monitors and heartbeats; null for groups. */
  uptime: DailyUptime | null;
  /** Monitors: the last check's latency. */
  latencyMs?: number | null;
  /** Groups: members UP against the expected size. */
  healthy?: number;
  expected?: number;
}

export interface PublicMaintenance {
  name: string;
  description: string | null;
  startAt: string;
  endAt: string;
  active: boolean;
  /** The labels of the page's items it covers. */
  items: string[];
}

export interface PublicStatus {
  slug: string;
  title: string;
  description: string | null;
  logoUrl: string | null;
  footer: string | null;
  generatedAt: string;
  overall: OverallStatus;
  items: PublicItem[];
  incidents: { open: IncidentView[]; resolved: IncidentView[] };
  maintenance: PublicMaintenance[];
}

const monitorStates: Record<string, ItemState> = {
  UP: 'up',
  DOWN: 'down',
  PENDING: 'unknown',
  PAUSED: 'paused',
  MAINTENANCE: 'maintenance',
};
const heartbeatStates: Record<string, ItemState> = {
  UP: 'up',
  STARTED: 'up',
  LATE: 'degraded',
  DOWN: 'down',
  NEW: 'unknown',
  PAUSED: 'paused',
};
const impactFloor: Record<IncidentImpact, OverallStatus> = {
  none: 'operational',
  minor: 'degraded',
  major: 'partial_outage',
  critical: 'major_outage',
};

/** The page's status: its items' worst (all down is a major outage), raised by open incidents' impact. */
export function overallOf(items: readonly PublicItem[], openImpacts: readonly IncidentImpact[]): OverallStatus {
  const judged = items.filter((i) => i.state !== 'paused' && i.state !== 'unknown');
  const down = judged.filter((i) => i.state === 'down').length;
  let overall: OverallStatus = 'operational';
  if (down > 0) overall = down === judged.length ? 'major_outage' : 'partial_outage';
  else if (judged.some((i) => i.state === 'degraded')) overall = 'degraded';
  else if (judged.some((i) => i.state === 'maintenance')) overall = 'maintenance';
  for (const impact of openImpacts)
    if (overallOrder.indexOf(impactFloor[impact]) > overallOrder.indexOf(overall)) overall = impactFloor[impact];
  return overall;
}

export class PublicStatusService {
  constructor(
    private readonly clock: Clock,
    private readonly pages: StatusPageService,
    private readonly monitors: MonitorService,
    private readonly heartbeats: HeartbeatService,
    private readonly groups: GroupService,
    private readonly maintenance: MaintenanceService,
  ) {}

  /** The page of `slug` as the public sees it, or undefined when there is none. */
  async build(slug: string): Promise<PublicStatus | undefined> {
    const page = await this.pages.find(slug);
    if (!page) return undefined;
    const now = this.clock.now();
    const spec = page.spec;
    await this.monitors.refreshUnowned();
    const incidents = await this.pages.incidents(slug, now - RESOLVED_SHOWN_MS);
    const items = await this.items(spec.items, now);
    const open = incidents.filter((i) => i.resolvedAt === null);
    return {
      slug: spec.slug,
      title: spec.title,
      description: spec.description ?? null,
      logoUrl: spec.logoUrl ?? null,
      footer: spec.footer ?? null,
      generatedAt: new Date(now).toISOString(),
      overall: overallOf(
        items,
        open.map((i) => i.impact),
      ),
      items,
      incidents: {
        open: open.map(incidentView),
        resolved: incidents.filter((i) => i.resolvedAt !== null).map(incidentView),
      },
      maintenance: this.windows(items, now),
    };
  }

  private async items(specs: readonly { type: PublicItem['type']; name: string; label?: string }[], now: number) {
    const firstDay = firstDayOf(now, BAR_DAYS);
    const monitorNames = specs.filter((s) => s.type === 'monitor').map((s) => s.name);
    const counts = await this.monitors.dailyChecks(monitorNames, firstDay);
    const groups = new Map(this.groups.list().map((g) => [g.name, g]));
    const out: PublicItem[] = [];
    for (const s of specs) {
      const base = { type: s.type, name: s.name, label: s.label ?? s.name };
      if (s.type === 'monitor') {
        const e = this.monitors.find(s.name);
        if (!e) continue;
        const v = this.monitors.view(e);
        const uptime = monitorUptime(counts.get(s.name) ?? new Map(), firstDay, BAR_DAYS);
        const latencyMs = v.lastResult?.latencyMs ?? null;
        out.push({ ...base, state: monitorStates[v.state] ?? 'unknown', detail: v.state, uptime, latencyMs });
      } else if (s.type === 'heartbeat') {
        const history = await this.heartbeats.changesSince(s.name, firstDay).catch(() => undefined);
        if (!history) continue;
        const uptime = heartbeatUptime(history, firstDay, BAR_DAYS, now);
        out.push({ ...base, state: heartbeatStates[history.state] ?? 'unknown', detail: history.state, uptime });
      } else {
        const g = groups.get(s.name);
        if (!g) continue;
        const state: ItemState =
          g.healthy >= g.expectedSize ? 'up' : g.pending > 0 ? 'unknown' : g.healthy === 0 ? 'down' : 'degraded';
        const detail = `${g.healthy}/${g.expectedSize} healthy`;
        out.push({ ...base, state, detail, uptime: null, healthy: g.healthy, expected: g.expectedSize });
      }
    }
    return out;
  }

  /** Windows open now or within a week covering a monitor item or a member of a group item. */
  private windows(items: readonly PublicItem[], now: number): PublicMaintenance[] {
    const itemsOf = new Map<string, Set<string>>();
    const cover = (monitor: string, label: string) =>
      itemsOf.set(monitor, (itemsOf.get(monitor) ?? new Set()).add(label));
    for (const i of items) {
      if (i.type === 'monitor') cover(i.name, i.label);
      if (i.type === 'group') for (const m of this.groups.members(i.name)) cover(m, i.label);
    }
    const monitors = [...itemsOf.keys()].flatMap((n) => {
      const e = this.monitors.find(n);
      return e ? [e.monitor as Monitor] : [];
    });
    return this.maintenance
      .openings(monitors, now + MAINTENANCE_AHEAD_MS, now)
      .sort((a, b) => a.startAt - b.startAt)
      .map((o) => ({
        name: o.name,
        description: o.description ?? null,
        startAt: new Date(o.startAt).toISOString(),
        endAt: new Date(o.endAt).toISOString(),
        active: o.active,
        items: [...new Set(o.monitors.flatMap((m) => [...(itemsOf.get(m) ?? [])]))],
      }));
  }
}
