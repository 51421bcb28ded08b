import { topicInputSchema } from '@tocsin/protocol';
import { useState } from 'preact/hooks';
import { DataTable } from '../components/data-table.js';
import { Field, Form, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { navigate, seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { dimensionsText, parseDimensions } from './alarm-form-values.js';
import type { TopicView } from './topic-types.js';

/** The topic form (create here, edit on the topic's page): name, display name, tags. */
export function TopicForm({
  topic,
  onSaved,
  onCancel,
}: {
  topic?: TopicView;
  onSaved: (t: TopicView) => void;
  onCancel: () => void;
}) {
  const form = useForm({
    initial: { name: topic?.name ?? '', displayName: topic?.displayName ?? '', tags: dimensionsText(topic?.tags) },
    schema: topicInputSchema,
    toBody: (v) => ({
      name: v.name.trim(),
      ...(v.displayName.trim() ? { displayName: v.displayName.trim() } : {}),
      tags: parseDimensions(v.tags),
    }),
    onSubmit: async (body) => {
      // PUT without ?prune keeps the subscriptions the body does not list.
      const saved = topic
        ? await api.put<TopicView>(`/api/topics/${seg(topic.name)}`, body)
        : await api.post<TopicView>('/api/topics', body);
      toast(`Topic ${saved.name} saved.`);
      onSaved(saved);
    },
  });
  return (
    <Form
      form={form}
      submitLabel={topic ? 'Save topic' : 'Create topic'}
      extraActions={
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      }
    >
      <div class="form-grid">
        {!topic && <Field form={form} name="name" label="Name" required />}
        <Field form={form} name="displayName" label="Display name" />
        <Field form={form} name="tags" label="Tags" placeholder="team=ops, env=prod" />
      </div>
    </Form>
  );
}

/** Topics with their subscriptions' counts; create one. */
export function TopicsPage() {
  const writer = canWrite(useStore(auth));
  const [creating, setCreating] = useState(false);
  const res = useResource('topics', (signal) => api.get<{ topics: TopicView[] }>('/api/topics', { signal }));
  const topics = res.data?.topics ?? [];
  return (
    <Page
      title="Topics"
      actions={
        writer &&
        !creating && (
          <button type="button" class="button-primary" onClick={() => setCreating(true)}>
            New topic
          </button>
        )
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      {creating && (
        <Section title="New topic">
          <TopicForm onSaved={(t) => navigate(`/topics/${seg(t.name)}`)} onCancel={() => setCreating(false)} />
        </Section>
      )}
      <DataTable
        caption="Topics"
        rows={topics}
        rowKey={(t) => t.name}
        rowTestId={(t) => `topic-row-${t.name}`}
        empty={
          <>
            No topics yet. A topic fans notifications out to its subscriptions (e-mail, Slack, PagerDuty, Datadog,
            webhooks); monitors, heartbeats and alarms name the topics they notify.
          </>
        }
        columns={[
          { header: 'Name', render: (t) => <Link href={`/topics/${seg(t.name)}`}>{t.name}</Link> },
          { header: 'Display name', render: (t) => t.displayName ?? '—' },
          { header: 'Subscriptions', class: 'num', render: (t) => t.subscriptions.length },
          {
            header: 'Pending',
            class: 'num',
            render: (t) => t.subscriptions.filter((s) => s.status === 'pending').length,
          },
          { header: 'Kinds', render: (t) => [...new Set(t.subscriptions.map((s) => s.protocol))].join(', ') || '—' },
        ]}
      />
    </Page>
  );
}
