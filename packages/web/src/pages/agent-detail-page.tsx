import { agentTagsSchema } from '@tocsin/protocol';
import { ConfirmButton } from '../components/confirm-button.js';
import { type SchemaLike, Form, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { navigate, seg } from '../core/router.js';
import { auth, isAdmin } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import type { RouteParams } from '../routes.js';
import { type Agent, agentPath, loadAgent } from './agent-api.js';
import { AgentMetrics } from './agent-metrics.js';
import { AgentState, MetricsSummary, TagChips } from './agent-parts.js';
import { loadRuns } from './command-api.js';
import { RunsTable } from './command-parts.js';
import { tagRowsOf } from './command-run-form-values.js';
import { rowsOfTags, TagRows, tagsOfRows } from './tag-rows.js';
import '../styles/fleet.css';

/** The PATCH body's check: the protocol's tag rules, their issues under `tags`. */
const tagsPatchSchema: SchemaLike = {
  safeParse(body) {
    const r = agentTagsSchema.safeParse((body as { tags: unknown }).tags);
    if (r.success) return { success: true };
    const issues = r.error.issues.map((i) => ({ ...i, path: ['tags', ...i.path] }));
    return { success: false, error: { issues } };
  },
};

function TagsEditor({ agent, onSaved }: { agent: Agent; onSaved: () => void }) {
  const form = useForm({
    initial: { tags: JSON.stringify(rowsOfTags(agent.tags)) },
    schema: tagsPatchSchema,
    toBody: (v) => ({ tags: tagsOfRows(tagRowsOf(v.tags)) }),
    onSubmit: async (body) => {
      await api.patch(agentPath(agent.id), body);
      toast(`Saved the tags of ${agent.hostname}.`);
      onSaved();
    },
  });
  return (
    <Form form={form} submitLabel="Save tags">
      <TagRows
        id="field-tags"
        legend="Tags"
        rows={tagRowsOf(form.values.tags)}
        onChange={(rows) => form.set('tags', JSON.stringify(rows))}
        hint="Tags from the enrolment token win over what the agent says of itself when it connects."
        error={form.errors.tags}
      />
    </Form>
  );
}

function Facts({ agent }: { agent: Agent }) {
  return (
    <dl class="facts" data-testid="agent-facts">
      <dt>State</dt>
      <dd>
        <AgentState agent={agent} /> last seen <Time at={agent.lastSeenAt} relative />
        {agent.node && <span class="muted"> (connected to node {agent.node})</span>}
      </dd>
      <dt>Id</dt>
      <dd>
        <code>{agent.id}</code>
      </dd>
      <dt>Tags</dt>
      <dd>
        <TagChips tags={agent.tags} />
      </dd>
      <dt>Version</dt>
      <dd>
        {agent.version || '—'} {agent.platform && <span class="muted">({agent.platform})</span>}
      </dd>
      <dt>Enrolled</dt>
      <dd>
        <Time at={agent.enrolledAt} />
      </dd>
      <dt>Commands</dt>
      <dd>
        {agent.commands.enabled
          ? agent.commands.allow.length
            ? `enabled, only: ${agent.commands.allow.join(', ')}`
            : 'enabled (any command)'
          : 'disabled (the agent was started without --allow-commands)'}
      </dd>
      <dt>Probes</dt>
      <dd>
        {agent.probes
          ? "runs monitors' probes: a location of the monitors that name its tags"
          : 'disabled (the agent was started without --allow-probes)'}
      </dd>
      <dt>Last metrics</dt>
      <dd>
        <MetricsSummary agent={agent} />
      </dd>
      {agent.selfChecks.some((c) => !c.ok) && (
        <>
          <dt>Failing self-checks</dt>
          <dd>
            {agent.selfChecks
              .filter((c) => !c.ok)
              .map((c) => `${c.name}: ${c.message}`)
              .join('; ')}
          </dd>
        </>
      )}
    </dl>
  );
}

function RecentRuns({ agentId }: { agentId: string }) {
  const res = useResource(`command-runs:agent:${agentId}`, (signal) =>
    loadRuns(signal, { agent: agentId, limit: 200 }),
  );
  if (!res.data) return <p class="muted">{res.error ? 'The runs could not be read.' : 'Loading…'}</p>;
  return <RunsTable runs={res.data} caption={`Recent runs on ${agentId}`} />;
}

/** `/agents/:id`: the agent's facts, its tags (an admin edits them), host metrics, recent runs, and Revoke. */
export function AgentDetailPage({ params }: { params: RouteParams }) {
  const id = params.id;
  const admin = isAdmin(useStore(auth));
  const res = useResource(`agent:${id}`, (signal) => loadAgent(id, signal), {
    refetchOn: (c) => c.type === 'agent' && c.name === id,
  });
  const agent = res.data;
  return (
    <Page
      title={agent ? `Agent ${agent.hostname}` : `Agent ${id}`}
      description={<Link href="/agents">All agents</Link>}
      actions={
        admin &&
        agent && (
          <ConfirmButton
            label="Revoke agent"
            danger
            confirmLabel={`Revoke ${agent.hostname}`}
            question={
              <p>
                Revoke the agent {agent.hostname}? Its credential stops working at once and it is disconnected; to come
                back, the host must enrol again.
              </p>
            }
            onConfirm={async () => {
              await api.del(agentPath(id));
              toast(`Revoked ${agent.hostname}.`);
              navigate('/agents');
            }}
          />
        )
      }
      loading={res.loading && !agent}
      error={agent ? undefined : res.error}
      onRetry={res.reload}
    >
      {agent && (
        <>
          <Facts agent={agent} />
          {admin && (
            <Section title="Edit tags">
              <TagsEditor key={JSON.stringify(agent.tags)} agent={agent} onSaved={res.reload} />
            </Section>
          )}
          <Section title="Host metrics">
            <AgentMetrics agentId={id} />
          </Section>
          <Section
            title="Recent runs"
            actions={
              admin && (
                <Link class="button" href={`/commands?run=1&agent=${seg(id)}`}>
                  Run a command here
                </Link>
              )
            }
          >
            <RecentRuns agentId={id} />
          </Section>
        </>
      )}
    </Page>
  );
}
