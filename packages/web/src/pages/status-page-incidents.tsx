import { incidentImpacts, incidentInputSchema, incidentStatuses, incidentUpdateInputSchema } from '@tocsin/protocol';
import { ConfirmButton } from '../components/confirm-button.js';
import { Field, Form, useForm } from '../components/form.js';
import { ErrorState, LoadingState } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';
import { useResource } from '../core/use-resource.js';

export interface Incident {
  id: string;
  title: string;
  impact: 'none' | 'minor' | 'major' | 'critical';
  status: 'investigating' | 'identified' | 'monitoring' | 'resolved';
  createdAt: string;
  resolvedAt: string | null;
  updates: { id: string; status: string; body: string; createdAt: string }[];
}

const impactState: Record<string, string> = { none: 'OK', minor: 'LATE', major: 'DOWN', critical: 'DOWN' };

const incidentFields: Record<string, string> = {
  title: 'incidentTitle',
  impact: 'incidentImpact',
  status: 'incidentStatus',
  body: 'incidentBody',
};

function NewIncident({ slug, onDone }: { slug: string; onDone: () => void }) {
  // Field names of their own: the page's settings form has a title field too (ids stay unique).
  const form = useForm({
    initial: { incidentTitle: '', incidentImpact: 'minor', incidentStatus: 'investigating', incidentBody: '' },
    schema: incidentInputSchema,
    toBody: (v) => ({
      title: v.incidentTitle.trim(),
      impact: v.incidentImpact,
      status: v.incidentStatus,
      body: v.incidentBody.trim(),
    }),
    fieldOf: (p) => incidentFields[p.split('.')[0]] ?? 'incidentTitle',
    onSubmit: async (body) => {
      await api.post(`/api/status-pages/${seg(slug)}/incidents`, body);
      toast('Incident posted on the public page.');
      form.set('incidentTitle', '');
      form.set('incidentBody', '');
      onDone();
    },
  });
  return (
    <Form form={form} submitLabel="Post incident">
      <Field form={form} name="incidentTitle" label="Incident title" required />
      <div class="form-grid">
        <Field form={form} name="incidentImpact" label="Impact" type="select" options={incidentImpacts} />
        <Field
          form={form}
          name="incidentStatus"
          label="Status"
          type="select"
          options={incidentStatuses.filter((s) => s !== 'resolved')}
        />
      </div>
      <Field form={form} name="incidentBody" label="What is known" type="textarea" rows={3} required />
    </Form>
  );
}

function UpdateForm({ slug, incident, onDone }: { slug: string; incident: Incident; onDone: () => void }) {
  const form = useForm({
    initial: { status: incident.status, body: '' },
    schema: incidentUpdateInputSchema,
    toBody: (v) => ({ status: v.status, body: v.body.trim() }),
    fieldOf: (p) => `${p.split('.')[0]}`,
    onSubmit: async (body) => {
      await api.post(`/api/status-pages/${seg(slug)}/incidents/${seg(incident.id)}/updates`, body);
      toast('Update posted.');
      form.set('body', '');
      onDone();
    },
  });
  return (
    <details>
      <summary>Post an update</summary>
      <Form form={form} submitLabel="Post update">
        <IdScope id={incident.id} form={form} />
      </Form>
    </details>
  );
}

/** The update form's fields, with ids made unique per incident (several forms are on the page). */
function IdScope({ id, form }: { id: string; form: ReturnType<typeof useForm<{ status: string; body: string }>> }) {
  const status = `field-status-${id}`;
  const body = `field-body-${id}`;
  return (
    <>
      <div class="field">
        <label for={status}>Status</label>
        <select id={status} value={form.values.status} onChange={(e) => form.set('status', e.currentTarget.value)}>
          {incidentStatuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div class={`field ${form.errors.body ? 'field-invalid' : ''}`}>
        <label for={body}>Update</label>
        <textarea
          id={body}
          rows={3}
          value={form.values.body}
          aria-invalid={form.errors.body ? 'true' : undefined}
          aria-describedby={form.errors.body ? `${body}-error` : undefined}
          onInput={(e) => form.set('body', e.currentTarget.value)}
        />
        {form.errors.body && (
          <p class="field-error" id={`${body}-error`}>
            {form.errors.body}
          </p>
        )}
      </div>
    </>
  );
}

function IncidentCard({
  slug,
  incident,
  writer,
  reload,
}: {
  slug: string;
  incident: Incident;
  writer: boolean;
  reload: () => void;
}) {
  const path = `/api/status-pages/${seg(slug)}/incidents/${seg(incident.id)}`;
  const open = incident.resolvedAt === null;
  return (
    <article class="card incident" data-testid={`incident-${incident.id}`}>
      <header class="section-head">
        <h3>{incident.title}</h3>
        <div class="pill-row">
          <StateBadge state={impactState[incident.impact] ?? 'NEW'} label={`${incident.impact} impact`} />
          <StateBadge state={open ? 'ALARM' : 'RESOLVED'} label={incident.status} />
        </div>
      </header>
      <p class="muted">
        Opened <Time at={incident.createdAt} />
        {incident.resolvedAt && (
          <>
            , resolved <Time at={incident.resolvedAt} />
          </>
        )}
      </p>
      <ol class="updates">
        {incident.updates.map((u) => (
          <li key={u.id}>
            <strong>{u.status}</strong> · <Time at={u.createdAt} />
            <p>{u.body}</p>
          </li>
        ))}
      </ol>
      {writer && (
        <div class="pill-row">
          {open && (
            <ConfirmButton
              label={`Resolve ${incident.title}`}
              confirmLabel="Resolve"
              question={<p>Mark the incident resolved, with the update "This incident has been resolved."?</p>}
              onConfirm={async () => {
                await api.post(`${path}/updates`, { status: 'resolved', body: 'This incident has been resolved.' });
                toast('Resolved.');
                reload();
              }}
            />
          )}
          <ConfirmButton
            label={`Delete ${incident.title}`}
            danger
            confirmLabel="Delete incident"
            question={<p>Delete the incident and its updates from the page?</p>}
            onConfirm={async () => {
              await api.del(path);
              toast('Deleted the incident.');
              reload();
            }}
          />
        </div>
      )}
      {writer && <UpdateForm slug={slug} incident={incident} onDone={reload} />}
    </article>
  );
}

/** A status page's incidents, newest first (live), and, for writers, a form to post one. */
export function Incidents({ slug, writer }: { slug: string; writer: boolean }) {
  const res = useResource(
    `incidents:${slug}`,
    async (signal) =>
      (await api.get<{ incidents: Incident[] }>(`/api/status-pages/${seg(slug)}/incidents`, { signal })).incidents,
    { refetchOn: (c) => c.type === 'incident' && c.page === slug },
  );
  return (
    <>
      {res.error !== undefined && !res.data ? (
        <ErrorState error={res.error} onRetry={res.reload} />
      ) : !res.data ? (
        <LoadingState />
      ) : res.data.length === 0 ? (
        <p class="muted">No incidents: the page says all is well (when its items are).</p>
      ) : (
        res.data.map((i) => <IncidentCard key={i.id} slug={slug} incident={i} writer={writer} reload={res.reload} />)
      )}
      {writer && (
        <details class="new-incident">
          <summary>Post a new incident</summary>
          <NewIncident slug={slug} onDone={res.reload} />
        </details>
      )}
    </>
  );
}
