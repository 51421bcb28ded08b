import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import type { Heartbeat, Monitor } from '../core/api-types.js';
import { useLive } from '../core/live-stream.js';
import { seg } from '../core/router.js';
import { useResource } from '../core/use-resource.js';

interface Item {
  name: string;
  state: string;
  since: string | null;
  reason: string | null;
}

interface Overview {
  monitors: Item[];
  heartbeats: Item[];
  alarms: Item[];
  /** Dead letters, up to DEAD_LIMIT. */
  dead: number;
}

const DEAD_LIMIT = 1000;

/** What the overview shows, from the lists the API has (GET /api/overview, once it exists, would be one call). */
async function loadOverview(signal: AbortSignal): Promise<Overview> {
  const [m, h, a, d] = await Promise.all([
    api.get<{ monitors: Monitor[] }>('/api/monitors', { signal }),
    api.get<{ heartbeats: Heartbeat[] }>('/api/heartbeats', { signal }),
    api.get<{ alarms: { name: string; state: string; reason: string | null; stateChangedAt: string | null }[] }>(
      '/api/alarms',
      { signal },
    ),
    api.get<{ deliveries: unknown[] }>(`/api/deliveries?status=dead&limit=${DEAD_LIMIT}`, { signal }),
  ]);
  return {
    monitors: m.monitors.map((x) => ({
      name: x.name,
      state: x.settings.paused ? 'PAUSED' : x.state,
      since: x.stateChangedAt,
      reason: x.lastResult?.reason ?? null,
    })),
    heartbeats: h.heartbeats.map((x) => ({ name: x.name, state: x.state, since: x.lastPingAt, reason: x.lastReason })),
    alarms: a.alarms.map((x) => ({ name: x.name, state: x.state, since: x.stateChangedAt, reason: x.reason })),
    dead: d.deliveries.length,
  };
}

const listOf = { monitor: 'monitors', heartbeat: 'heartbeats', alarm: 'alarms' } as const;

function Problems({ title, items, href }: { title: string; items: Item[]; href: (name: string) => string }) {
  if (items.length === 0) return null;
  return (
    <Section title={`${title} (${items.length})`}>
      <ul class="problems">
        {items.slice(0, 50).map((i) => (
          <li key={i.name}>
            <StateBadge state={i.state} />
            <Link href={href(i.name)}>{i.name}</Link>
            {i.reason && <span class="muted">{i.reason}</span>}
            {i.since && (
              <span class="muted">
                since <Time at={i.since} relative />
              </span>
            )}
          </li>
        ))}
        {items.length > 50 && <li class="muted">and {items.length - 50} more; see the full list.</li>}
      </ul>
    </Section>
  );
}

function count(items: Item[], state: string): number {
  return items.filter((i) => i.state === state).length;
}

function Card({ label, value, href, tone }: { label: string; value: number | string; href: string; tone?: string }) {
  return (
    <Link class={`card card-link ${tone ?? ''}`} href={href}>
      <div class="card-value">{value}</div>
      <div class="card-label">{label}</div>
    </Link>
  );
}

/** What is wrong first (down monitors, late or down heartbeats, alarms in ALARM, dead letters), then counts. */
export function OverviewPage() {
  const res = useResource('overview', loadOverview, { refetchOn: (c) => c.type === 'delivery' });
  useLive((e) => {
    if (e.kind !== 'change' || !(e.change.type in listOf)) return;
    const key = listOf[e.change.type as keyof typeof listOf];
    const { name, state, at } = e.change;
    if (!res.data?.[key].some((i) => i.name === name)) return res.reload();
    const since = new Date(at).toISOString();
    res.mutate((d) => ({ ...d, [key]: d[key].map((i) => (i.name === name ? { ...i, state, since } : i)) }));
  });
  const d = res.data;
  const downMonitors = d?.monitors.filter((m) => m.state === 'DOWN') ?? [];
  const badHeartbeats = d?.heartbeats.filter((h) => h.state === 'DOWN' || h.state === 'LATE') ?? [];
  const alarming = d?.alarms.filter((a) => a.state === 'ALARM') ?? [];
  const wrong = downMonitors.length + badHeartbeats.length + alarming.length + (d?.dead ?? 0);
  return (
    <Page title="Overview" loading={!d && res.loading} error={d ? undefined : res.error} onRetry={res.reload}>
      {d && (
        <>
          {wrong === 0 ? (
            <p class="all-good" role="status">
              All is well: nothing is down, late or in alarm.
            </p>
          ) : (
            <>
              <Problems title="Monitors down" items={downMonitors} href={(n) => `/monitors/${seg(n)}`} />
              <Problems title="Heartbeats late or down" items={badHeartbeats} href={(n) => `/heartbeats/${seg(n)}`} />
              <Problems title="Alarms in ALARM" items={alarming} href={(n) => `/alarms/${seg(n)}`} />
              {d.dead > 0 && (
                <Section title="Dead letters">
                  <p>
                    <Link href="/deliveries?status=dead">
                      {d.dead >= DEAD_LIMIT ? `${DEAD_LIMIT} or more` : d.dead} notification
                      {d.dead === 1 ? '' : 's'} could not be delivered
                    </Link>
                    ; replay them once the channel works again.
                  </p>
                </Section>
              )}
            </>
          )}
          <Section title="Counts">
            <div class="cards">
              <Card label="Monitors" value={d.monitors.length} href="/monitors" />
              <Card label="Monitors up" value={count(d.monitors, 'UP')} href="/monitors?state=UP" />
              <Card label="Monitors down" value={downMonitors.length} href="/monitors?state=DOWN" />
              <Card label="Heartbeats" value={d.heartbeats.length} href="/heartbeats" />
              <Card label="Heartbeats up" value={count(d.heartbeats, 'UP')} href="/heartbeats" />
              <Card label="Alarms" value={d.alarms.length} href="/alarms" />
              <Card label="Alarms in ALARM" value={alarming.length} href="/alarms" />
              <Card label="Dead letters" value={d.dead} href="/deliveries?status=dead" />
            </div>
          </Section>
        </>
      )}
    </Page>
  );
}
