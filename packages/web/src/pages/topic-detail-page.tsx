import { type ChannelField, subscriptionInputSchema } from '@tocsin/protocol';
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Field, type FieldProps, Form, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { toast } from '../components/toasts.js';
import { api, errorMessage } from '../core/api-client.js';
import { navigate, seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import type { RouteParams } from '../routes.js';
import { dimensionsText } from './alarm-form-values.js';
import {
  emptySubscription,
  protocolFields,
  protocolOptions,
  type SubscriptionFormValues,
  type SubscriptionView,
  subscriptionBody,
  type TopicView,
} from './topic-types.js';
import { TopicForm } from './topics-page.js';

/** How a channel field's kind shows in the form. */
function inputOf(f: ChannelField): Pick<FieldProps<SubscriptionFormValues>, 'type' | 'inputMode' | 'options' | 'rows'> {
  switch (f.kind) {
    case 'password':
    case 'url':
    case 'select':
    case 'textarea':
    case 'checkbox':
      return { type: f.kind, options: f.options, rows: f.rows };
    case 'pairs':
      return { type: 'textarea', rows: f.rows ?? 2 };
    case 'number':
      return { type: 'text', inputMode: 'decimal' };
    default:
      return { type: 'text' };
  }
}

function AddSubscription({ topic, onDone }: { topic: string; onDone: () => void }) {
  const form = useForm<SubscriptionFormValues>({
    initial: emptySubscription,
    schema: subscriptionInputSchema,
    toBody: subscriptionBody,
    onSubmit: async (body) => {
      const sub = await api.post<SubscriptionView>(`/api/topics/${seg(topic)}/subscriptions`, body);
      toast(sub.status === 'pending' ? `Added; ${sub.name} must confirm from the mail sent.` : `Added ${sub.name}.`);
      onDone();
    },
  });
  return (
    <Form form={form} submitLabel="Add subscription">
      <div class="form-grid">
        <Field form={form} name="protocol" label="Kind" type="select" options={protocolOptions} />
        <Field form={form} name="name" label="Name" hint="Defaults to the e-mail address or the kind." />
        {protocolFields(String(form.values.protocol)).map((f) => (
          <Field
            key={f.name}
            form={form}
            name={f.name}
            label={f.label}
            hint={f.hint}
            placeholder={f.placeholder}
            {...inputOf(f)}
            autoComplete="off"
            required={f.required}
          />
        ))}
      </div>
    </Form>
  );
}

function SubscriptionActions({ topic, sub, onDone }: { topic: string; sub: SubscriptionView; onDone: () => void }) {
  const base = `/api/topics/${seg(topic)}/subscriptions/${seg(sub.name)}`;
  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      toast(done);
      onDone();
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  };
  return (
    <div class="pill-row">
      <button
        type="button"
        class="button-small"
        disabled={sub.status !== 'confirmed'}
        title={sub.status !== 'confirmed' ? 'Only a confirmed subscription can be sent a test' : undefined}
        onClick={() =>
          act(() => api.post(`${base}/test`), `Test queued for ${sub.name}; follow it on the Deliveries page.`)
        }
      >
        Send a test
      </button>
      {sub.status === 'pending' && sub.protocol === 'email' && (
        <button
          type="button"
          class="button-small"
          onClick={() => act(() => api.post(`${base}/confirmation`), 'Confirmation mail sent again.')}
        >
          Resend confirmation
        </button>
      )}
      <ConfirmButton
        label="Remove"
        danger
        question={`Remove the subscription ${sub.name} from ${topic}?`}
        onConfirm={() => act(() => api.del(base), `Removed ${sub.name}.`)}
      />
    </div>
  );
}

/** A topic: edit it, its subscriptions with their confirmation state, send a test, add and remove, delete. */
export function TopicDetailPage({ params }: { params: RouteParams }) {
  const name = params.name;
  const writer = canWrite(useStore(auth));
  const [editing, setEditing] = useState(false);
  const res = useResource(`topic:${name}`, (signal) => api.get<TopicView>(`/api/topics/${seg(name)}`, { signal }));
  const t = res.data;
  return (
    <Page
      title={t?.displayName ? `${t.displayName} (${name})` : name}
      loading={!t && res.loading}
      error={t ? undefined : res.error}
      onRetry={res.reload}
      actions={
        writer &&
        t && (
          <>
            <button type="button" onClick={() => setEditing(!editing)}>
              {editing ? 'Close the form' : 'Edit'}
            </button>
            <ConfirmButton
              label="Delete"
              danger
              question={`Delete the topic ${name} and its ${t.subscriptions.length} subscriptions?`}
              onConfirm={async () => {
                await api.del(`/api/topics/${seg(name)}`);
                toast(`Topic ${name} deleted.`);
                navigate('/topics');
              }}
            />
          </>
        )
      }
    >
      {t && (
        <>
          <dl class="facts">
            <dt>Tags</dt>
            <dd>{dimensionsText(t.tags) || '—'}</dd>
            <dt>Deliveries</dt>
            <dd>
              <Link href={`/deliveries?topic=${encodeURIComponent(name)}`}>this topic’s deliveries</Link>
            </dd>
          </dl>
          {editing && (
            <Section title="Edit">
              <TopicForm
                topic={t}
                onSaved={() => {
                  setEditing(false);
                  res.reload();
                }}
                onCancel={() => setEditing(false)}
              />
            </Section>
          )}
          <Section title="Subscriptions">
            <DataTable
              caption="Subscriptions"
              rows={t.subscriptions}
              rowKey={(s) => s.id}
              rowTestId={(s) => `subscription-row-${s.name}`}
              empty="No subscriptions: notifications to this topic reach no one."
              columns={[
                { header: 'Name', render: (s) => s.name },
                { header: 'Kind', render: (s) => s.protocol },
                { header: 'Endpoint', render: (s) => <span class="muted break">{String(s.endpoint ?? '—')}</span> },
                { header: 'Confirmation', render: (s) => <StateBadge state={s.status} /> },
                ...(writer
                  ? [
                      {
                        header: 'Actions',
                        render: (s: SubscriptionView) => (
                          <SubscriptionActions topic={name} sub={s} onDone={res.reload} />
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          </Section>
          {writer && (
            <Section title="Add a subscription">
              <AddSubscription topic={name} onDone={res.reload} />
            </Section>
          )}
        </>
      )}
    </Page>
  );
}
