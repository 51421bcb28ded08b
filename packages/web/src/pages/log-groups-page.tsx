import { logGroupInputSchema } from '@tocsin/protocol';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Field, Form, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import type { LogGroupView } from '../core/api-types.js';
import { listOf, numberOrText, parseTags, tagsText } from '../core/form-text.js';
import { navigate, seg, useLocation } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import '../styles/logs.css';
import { formatBytes, searchHref } from './log-search-query.js';
import { loadLogGroups } from './log-api.js';
import { LogTabs } from './log-tabs.js';

/** Create or replace (`PUT /api/log-groups/{name}`) a group: retention, and which sources or labels go to it. */
function LogGroupForm({ group, onDone }: { group?: LogGroupView; onDone: () => void }) {
  const form = useForm({
    initial: {
      name: group?.name ?? '',
      description: group?.description ?? '',
      retentionDays: String(group?.retentionDays ?? 30),
      sources: (group?.match?.sources ?? []).join(', '),
      labels: tagsText(group?.match?.labels ?? {}),
    },
    schema: logGroupInputSchema,
    toBody: (v) => {
      const sources = listOf(v.sources);
      const labels = parseTags(v.labels);
      const match = {
        ...(sources.length ? { sources } : {}),
        ...(Object.keys(labels).length ? { labels } : {}),
      };
      return {
        name: v.name.trim(),
        ...(v.description.trim() ? { description: v.description.trim() } : {}),
        retentionDays: numberOrText(v.retentionDays),
        ...(Object.keys(match).length ? { match } : {}),
      };
    },
    fieldOf: (p) =>
      p.startsWith('match.sources') ? 'sources' : p.startsWith('match.labels') ? 'labels' : p.split('.')[0],
    onSubmit: async (body) => {
      const name = (body as { name: string }).name;
      await api.put(`/api/log-groups/${seg(name)}`, body);
      toast(`Log group ${name} saved.`);
      onDone();
    },
  });
  return (
    <Form
      form={form}
      submitLabel={group ? 'Save group' : 'Create group'}
      extraActions={
        <button type="button" onClick={() => navigate('/logs/groups', { replace: true })}>
          Cancel
        </button>
      }
    >
      <div class="form-grid">
        {!group && <Field form={form} name="name" label="Name" required hint="Such as /aws/lambda/orders or api." />}
        <Field form={form} name="description" label="Description" />
        <Field form={form} name="retentionDays" label="Retention (days)" type="number" required />
        <Field form={form} name="sources" label="Sources" hint="Events of these sources go here; commas between." />
        <Field
          form={form}
          name="labels"
          label="Labels"
          placeholder="job=api, env=prod"
          hint="Every label must equal."
        />
      </div>
    </Form>
  );
}

const ratio = (g: LogGroupView) => (g.rawBytes > 0 ? `${((g.storedBytes / g.rawBytes) * 100).toFixed(1)}%` : '—');

/** `/logs/groups`: every log group with its retention, what it holds and its size; create, edit and delete. */
export function LogGroupsPage() {
  const { search } = useLocation();
  const writer = canWrite(useStore(auth));
  const res = useResource('log-groups', loadLogGroups);
  const groups = res.data ?? [];
  const editing = writer ? search.get('edit') : null;
  const edited = editing ? groups.find((g) => g.name === editing) : undefined;
  const creating = writer && search.has('new');
  const done = () => {
    res.reload();
    navigate('/logs/groups', { replace: true });
  };
  const remove = async (name: string) => {
    await api.del(`/api/log-groups/${seg(name)}`);
    toast(`Log group ${name} deleted.`);
    res.reload();
  };
  return (
    <Page
      title="Log groups"
      actions={
        writer &&
        !creating && (
          <Link class="button button-primary" href="/logs/groups?new">
            New group
          </Link>
        )
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      <LogTabs />
      {creating && (
        <Section title="New log group">
          <LogGroupForm onDone={done} />
        </Section>
      )}
      {edited && (
        <Section title={`Edit ${edited.name}`}>
          <LogGroupForm key={edited.name} group={edited} onDone={done} />
        </Section>
      )}
      <DataTable
        caption="Log groups"
        rows={groups}
        rowKey={(g) => g.name}
        rowTestId={(g) => `log-group-row-${g.name}`}
        empty="No log groups yet: the first event of a source makes its group (see docs/logs.md)."
        columns={[
          {
            header: 'Name',
            render: (g) => (
              <>
                <Link href={searchHref({ group: g.name, pattern: '', range: '1h', start: '', end: '' })}>{g.name}</Link>
                {g.description && <div class="muted">{g.description}</div>}
              </>
            ),
          },
          { header: 'Retention', class: 'num', render: (g) => `${g.retentionDays} d` },
          {
            header: 'Events',
            class: 'num',
            render: (g) => (
              <>
                {g.count.toLocaleString()}
                {g.pending ? <div class="muted">+{g.pending.toLocaleString()} queued</div> : null}
              </>
            ),
          },
          { header: 'Raw', class: 'num', render: (g) => formatBytes(g.rawBytes) },
          { header: 'Stored', class: 'num', render: (g) => formatBytes(g.storedBytes) },
          { header: 'Stored / raw', class: 'num', render: ratio },
          { header: 'Oldest', render: (g) => <Time at={g.firstTime} /> },
          { header: 'Newest', render: (g) => <Time at={g.lastTime} relative /> },
          {
            header: 'Actions',
            render: (g) =>
              writer ? (
                <div class="item-actions">
                  <Link
                    class="button button-small"
                    href={`/logs/groups?edit=${seg(g.name)}`}
                    aria-label={`Edit ${g.name}`}
                  >
                    Edit
                  </Link>
                  <ConfirmButton
                    label="Delete"
                    danger
                    question={<>Delete the log group {g.name} and every event it holds?</>}
                    onConfirm={() => remove(g.name)}
                  />
                </div>
              ) : (
                <span class="muted">—</span>
              ),
          },
        ]}
      />
    </Page>
  );
}
