/** What the agent pages share: the state badge, tags as chips, the last metrics in a line, the groups table. */
import { printSelector } from '@tocsin/protocol';
import { DataTable } from '../components/data-table.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { type Agent, type AgentGroup, groupHealth } from './agent-api.js';

/** online (green) or offline (red); `data-agent-state` carries it for tests. */
export function AgentState({ agent }: { agent: Pick<Agent, 'state'> }) {
  return (
    <span data-agent-state={agent.state}>
      <StateBadge state={agent.state === 'online' ? 'UP' : 'DOWN'} label={agent.state} />
    </span>
  );
}

export function TagChips({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags);
  if (entries.length === 0) return <span class="muted">no tags</span>;
  return (
    <>
      {entries.map(([k, v]) => (
        <span key={k} class="tag">
          {v ? `${k}=${v}` : k}
        </span>
      ))}
    </>
  );
}

/** The last metrics frame: how many datapoints, how long ago (the values are on the agent's charts). */
export function MetricsSummary({ agent }: { agent: Pick<Agent, 'metrics'> }) {
  const m = agent.metrics;
  if (!m) return <span class="muted">none yet</span>;
  return (
    <span>
      {m.datapoints} datapoint{m.datapoints === 1 ? '' : 's'}, <Time at={m.time} relative />
    </span>
  );
}

/** The agent groups: selector, expected size, healthy members. */
export function GroupsTable({ groups }: { groups: AgentGroup[] }) {
  return (
    <DataTable<AgentGroup>
      caption="Agent groups"
      rows={groups}
      rowKey={(g) => g.name}
      rowTestId={(g) => `agent-group-row-${g.name}`}
      empty={
        <>
          No agent groups. Declare them under <code>agent_groups:</code> in the config file (name, selector,
          expectedSize).
        </>
      }
      columns={[
        {
          header: 'Group',
          render: (g) => (
            <>
              <strong>{g.name}</strong>
              {g.description && <div class="muted">{g.description}</div>}
            </>
          ),
        },
        { header: 'Selector', render: (g) => <code>{printSelector(g.selector)}</code> },
        { header: 'Expected', class: 'num', render: (g) => g.expectedSize },
        { header: 'Healthy', class: 'num', render: (g) => g.healthy },
        {
          header: 'Health',
          render: (g) => {
            const h = groupHealth(g);
            return <StateBadge state={h.state} label={h.label} />;
          },
        },
      ]}
    />
  );
}
