import { DataTable } from '../components/data-table.js';
import { ErrorState, LoadingState, Page } from '../components/page.js';
import { Link } from '../components/link.js';
import { StateBadge } from '../components/state-badge.js';
import { api } from '../core/api-client.js';
import { seg, useLocation, navigate } from '../core/router.js';
import { useResource } from '../core/use-resource.js';

export interface Group {
  name: string;
  description?: string;
  selector: Record<string, string>;
  expectedSize: number;
  healthy: number;
  members: number;
  pending: number;
}

/** Healthy against expected: all there is UP; some missing is WARN; fewer than half is DOWN. */
function health(g: Group): { state: string; label: string } {
  const label = `${g.healthy} of ${g.expectedSize} healthy`;
  if (g.healthy >= g.expectedSize) return { state: 'UP', label };
  if (g.healthy * 2 >= g.expectedSize) return { state: 'LATE', label };
  return { state: 'DOWN', label };
}

function Members({ name }: { name: string }) {
  const res = useResource(
    `group:${name}`,
    (signal) =>
      api.get<Group & { monitors: { name: string; state: string }[] }>(`/api/groups/${seg(name)}`, { signal }),
    { refetchOn: (c) => c.type === 'monitor' },
  );
  if (res.error !== undefined && !res.data) return <ErrorState error={res.error} onRetry={res.reload} />;
  if (!res.data) return <LoadingState />;
  return (
    <DataTable
      caption={`Members of ${name}`}
      rows={res.data.monitors}
      rowKey={(m) => m.name}
      rowTestId={(m) => `monitor-row-${m.name}`}
      empty="No monitor has the group's tags yet."
      columns={[
        { header: 'Monitor', render: (m) => <Link href={`/monitors/${seg(m.name)}`}>{m.name}</Link> },
        { header: 'State', render: (m) => <StateBadge state={m.state} /> },
      ]}
    />
  );
}

/** Groups of monitors by tag: healthy members against the expected size, and who the members are. */
export function GroupsPage() {
  const { search } = useLocation();
  const open = search.get('group') ?? '';
  const res = useResource('groups', (signal) => api.get<{ groups: Group[] }>('/api/groups', { signal }), {
    refetchOn: (c) => c.type === 'monitor',
  });
  const all = res.data?.groups ?? [];
  return (
    <Page
      title="Groups"
      description="Monitors selected by tags, expected to be so many strong; the healthy count is also a metric."
      loading={!res.data && res.loading}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
      empty={all.length === 0}
      emptyMessage={
        <p>
          No groups. Declare them in a config file's <code>groups:</code> section (name, selector of tags, expectedSize)
          and apply it on the Config page.
        </p>
      }
    >
      <DataTable
        caption="Groups"
        rows={all}
        rowKey={(g) => g.name}
        rowTestId={(g) => `group-row-${g.name}`}
        columns={[
          {
            header: 'Name',
            render: (g) => (
              <>
                <strong>{g.name}</strong>
                {g.description && <div class="muted">{g.description}</div>}
              </>
            ),
          },
          {
            header: 'Health',
            render: (g) => {
              const h = health(g);
              return <StateBadge state={h.state} label={h.label} />;
            },
          },
          {
            header: 'Selector',
            render: (g) =>
              Object.entries(g.selector).map(([k, v]) => (
                <span key={k} class="tag">
                  {k}={v}
                </span>
              )),
          },
          { header: 'Members', class: 'num', render: (g) => g.members },
          { header: 'Not yet checked', class: 'num', render: (g) => g.pending },
          {
            header: 'Details',
            render: (g) => (
              <button
                type="button"
                class="button-small"
                aria-expanded={open === g.name}
                onClick={() =>
                  navigate(open === g.name ? '/groups' : `/groups?group=${encodeURIComponent(g.name)}`, {
                    replace: true,
                  })
                }
              >
                {open === g.name ? `Hide members of ${g.name}` : `Show members of ${g.name}`}
              </button>
            ),
          },
        ]}
      />
      {open && all.some((g) => g.name === open) && (
        <section class="section">
          <header class="section-head">
            <h2>Members of {open}</h2>
          </header>
          <Members name={open} />
        </section>
      )}
    </Page>
  );
}
