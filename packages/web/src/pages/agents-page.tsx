import { useEffect } from 'preact/hooks';
import { DataTable } from '../components/data-table.js';
import { Link } from '../components/link.js';
import { ErrorState, LoadingState, Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, isAdmin } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { type Agent, loadAgents, loadGroups } from './agent-api.js';
import { EnrollPanel } from './agent-enroll-panel.js';
import { AgentState, GroupsTable, MetricsSummary, TagChips } from './agent-parts.js';
import '../styles/fleet.css';

const REFRESH_MS = 10_000;
const isAgentChange = (type: string) => type === 'agent';

function Filters({ tags, state }: { tags: string; state: string }) {
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(key, value);
    else next.delete(key);
    const qs = next.toString();
    navigate(`/agents${qs ? `?${qs}` : ''}`, { replace: true });
  };
  return (
    <div class="filters">
      <div class="field">
        <label for="agent-tags-filter">Filter by tags</label>
        <input
          id="agent-tags-filter"
          data-page-filter
          placeholder="role=web,env=prod|stage (press /)"
          value={tags}
          onChange={(e) => set('tags', (e.currentTarget as HTMLInputElement).value.trim())}
        />
      </div>
      <div class="field">
        <label for="agent-state-filter">State</label>
        <select
          id="agent-state-filter"
          value={state}
          onChange={(e) => set('state', (e.currentTarget as HTMLSelectElement).value)}
        >
          <option value="">Any</option>
          <option value="online">online</option>
          <option value="offline">offline</option>
        </select>
      </div>
    </div>
  );
}

function AgentsTable({ agents }: { agents: Agent[] }) {
  return (
    <DataTable<Agent>
      caption="Agents"
      rows={agents}
      rowKey={(a) => a.id}
      rowTestId={(a) => `agent-row-${a.hostname}`}
      empty="No agent matches."
      columns={[
        {
          header: 'Host',
          render: (a) => (
            <>
              <Link href={`/agents/${seg(a.id)}`}>{a.hostname}</Link>
              <div class="muted">
                <code>{a.id}</code>
              </div>
            </>
          ),
        },
        { header: 'State', render: (a) => <AgentState agent={a} /> },
        { header: 'Tags', render: (a) => <TagChips tags={a.tags} /> },
        { header: 'Version', render: (a) => a.version || <span class="muted">—</span> },
        { header: 'Last seen', render: (a) => <Time at={a.lastSeenAt} relative /> },
        { header: 'Commands', render: (a) => (a.commands.enabled ? 'enabled' : 'disabled') },
        { header: 'Last metrics', render: (a) => <MetricsSummary agent={a} /> },
      ]}
    />
  );
}

/**
 * `/agents`: the agents (filtered by tags and state, in the query string), the agent groups with their healthy
 * counts, and for an admin the enrolment panel. Read again on the live stream's agent changes and every 10 s (last
 * seen moves without a change).
 */
export function AgentsPage() {
  const admin = isAdmin(useStore(auth));
  const { search } = useLocation();
  const tags = search.get('tags') ?? '';
  const state = search.get('state') ?? '';
  const agents = useResource(`agents:${tags}:${state}`, (signal) => loadAgents({ tags, state }, signal), {
    refetchOn: (c) => isAgentChange(c.type),
  });
  const groups = useResource('agent-groups', loadGroups, { refetchOn: (c) => isAgentChange(c.type) });
  useInterval(REFRESH_MS, agents.reload);
  const list = agents.data ?? [];
  const online = list.filter((a) => a.state === 'online').length;
  return (
    <Page
      title="Agents"
      description="Hosts running tocsin-agent: their state, tags and host metrics; the groups they make up."
    >
      <Filters tags={tags} state={state} />
      {agents.error !== undefined && !agents.data ? (
        <ErrorState error={agents.error} onRetry={agents.reload} />
      ) : !agents.data ? (
        <LoadingState />
      ) : (
        <>
          <p class="count" role="status">
            {list.length} agent{list.length === 1 ? '' : 's'}, {online} online
          </p>
          <AgentsTable agents={list} />
        </>
      )}
      <Section title="Agent groups">
        {groups.error !== undefined && !groups.data ? (
          <ErrorState error={groups.error} onRetry={groups.reload} />
        ) : (
          <GroupsTable groups={groups.data ?? []} />
        )}
      </Section>
      {admin && <EnrollPanel />}
    </Page>
  );
}

/** Calls `fn` every `ms` while mounted. */
function useInterval(ms: number, fn: () => void): void {
  useEffect(() => {
    const t = window.setInterval(fn, ms);
    return () => window.clearInterval(t);
  }, [ms, fn]);
}
