import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';
import { useResource } from '../core/use-resource.js';

interface Item {
  name: string;
  state: string;
  since: string | null;
  reason: string | null;
}

/** GET /api/overview: what is wrong (longest-standing first), then counts by state. */
interface Overview {
  at: string;
  problems: {
    monitors: Item[];
    heartbeats: Item[];
    alarms: Item[];
    deadLetters: { count: number; newest: { id: string; topic?: string; error?: string | null }[] };
  };
  counts: { monitors: Record<string, number>; heartbeats: Record<string, number>; alarms: Record<string, number> };
}

/** What the overview shows (maintenance puts monitors in MAINTENANCE); incidents and status pages are not on it. */
const overviewTypes = new Set(['monitor', 'heartbeat', 'alarm', 'delivery', 'maintenance']);
const loadOverview = (signal: AbortSignal) => api.get<Overview>('/api/overview', { signal });

const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

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
  // One small answer built from the server's memory: every change that could alter it fetches it again (at most
  // twice a second).
  const res = useResource('overview', loadOverview, { refetchOn: (c) => overviewTypes.has(c.type) });
  const d = res.data;
  const p = d?.problems;
  const dead = p?.deadLetters.count ?? 0;
  const wrong = p ? p.monitors.length + p.heartbeats.length + p.alarms.length + dead : 0;
  return (
    <Page title="Overview" loading={!d && res.loading} error={d ? undefined : res.error} onRetry={res.reload}>
      {d && p && (
        <>
          {wrong === 0 ? (
            <p class="all-good" role="status">
              All is well: nothing is down, late or in alarm.
            </p>
          ) : (
            <>
              <Problems title="Monitors down" items={p.monitors} href={(n) => `/monitors/${seg(n)}`} />
              <Problems title="Heartbeats late or down" items={p.heartbeats} href={(n) => `/heartbeats/${seg(n)}`} />
              <Problems title="Alarms in ALARM" items={p.alarms} href={(n) => `/alarms/${seg(n)}`} />
              {dead > 0 && (
                <Section title="Dead letters">
                  <p>
                    <Link href="/deliveries?status=dead">
                      {dead} notification{dead === 1 ? '' : 's'} could not be delivered
                    </Link>
                    ; replay them once the channel works again.
                  </p>
                </Section>
              )}
            </>
          )}
          <Section title="Counts">
            <div class="cards">
              <Card label="Monitors" value={total(d.counts.monitors)} href="/monitors" />
              <Card label="Monitors up" value={d.counts.monitors.UP ?? 0} href="/monitors?state=UP" />
              <Card label="Monitors down" value={d.counts.monitors.DOWN ?? 0} href="/monitors?state=DOWN" />
              <Card label="Heartbeats" value={total(d.counts.heartbeats)} href="/heartbeats" />
              <Card label="Heartbeats up" value={d.counts.heartbeats.UP ?? 0} href="/heartbeats" />
              <Card label="Alarms" value={total(d.counts.alarms)} href="/alarms" />
              <Card label="Alarms in ALARM" value={d.counts.alarms.ALARM ?? 0} href="/alarms" />
              <Card label="Dead letters" value={dead} href="/deliveries?status=dead" />
            </div>
          </Section>
        </>
      )}
    </Page>
  );
}
