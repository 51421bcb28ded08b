import { heartbeatInputSchema } from '@tocsin/protocol';
import { Field, Form, useForm } from '../components/form.js';
import { Link } from '../components/link.js';
import { Page } from '../components/page.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import type { Heartbeat } from '../core/api-types.js';
import { navigate, seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { heartbeatBody, heartbeatFieldOf, heartbeatFormInitial, heartbeatValues } from './heartbeat-form-values.js';

function HeartbeatForm({ existing }: { existing?: Heartbeat }) {
  const editing = existing !== undefined;
  const form = useForm({
    initial: existing ? heartbeatValues(existing) : heartbeatFormInitial,
    schema: heartbeatInputSchema,
    toBody: heartbeatBody,
    fieldOf: heartbeatFieldOf,
    onSubmit: async (body) => {
      const b = body as { name: string };
      if (editing) await api.put(`/api/heartbeats/${seg(existing.name)}`, body);
      else await api.post('/api/heartbeats', body);
      toast(editing ? `Saved ${b.name}.` : `Created ${b.name}.`);
      navigate(`/heartbeats/${seg(b.name)}`);
    },
  });
  const cron = form.values.schedule === 'cron';
  const back = editing ? `/heartbeats/${seg(existing.name)}` : '/heartbeats';
  return (
    <Form
      form={form}
      submitLabel={editing ? 'Save heartbeat' : 'Create heartbeat'}
      extraActions={
        <Link class="button" href={back}>
          Cancel
        </Link>
      }
    >
      <div class="form-grid">
        {editing ? (
          <div class="field">
            <span class="label">Name</span>
            <code>{existing.name}</code>
          </div>
        ) : (
          <Field form={form} name="name" label="Name" required hint="Letters, digits, . _ - (the heartbeat's key)" />
        )}
        <Field form={form} name="displayName" label="Display name" hint="Free text to show; the name stays the key" />
        <Field
          form={form}
          name="slug"
          label="Slug"
          hint="For ping URLs by ping key: lower-case letters, digits, - and _ (from the name when empty)"
        />
      </div>
      <Field form={form} name="description" label="Description" type="textarea" rows={2} />
      <fieldset>
        <legend>Schedule</legend>
        <div class="form-grid">
          <Field
            form={form}
            name="schedule"
            label="Runs are expected"
            type="select"
            options={[
              { value: 'period', label: 'Every period after the last run' },
              { value: 'cron', label: 'At the times of a cron expression' },
            ]}
          />
          {cron ? (
            <>
              <Field
                form={form}
                name="cron"
                label="Cron expression"
                required
                placeholder="0 3 * * *"
                hint="Five fields (minute hour day month weekday), or @daily, @hourly…"
              />
              <Field form={form} name="timezone" label="Time zone" hint="IANA name, such as Europe/Paris" />
            </>
          ) : (
            <Field form={form} name="period" label="Period" required hint="30m, 1h, 1d (at least 1m)" />
          )}
          <Field form={form} name="grace" label="Grace" required hint="How late a run may still arrive (at least 1m)" />
          <Field form={form} name="maxRuntime" label="Longest run time" hint="A started run fails after this" />
          <Field form={form} name="minRuntime" label="Shortest run time" hint="A quicker run fails" />
          <Field form={form} name="failureTolerance" label="Bad runs in a row before down" inputMode="numeric" />
        </div>
      </fieldset>
      <fieldset>
        <legend>Alerting</legend>
        <Field form={form} name="topics" label="Topics to notify" hint="Comma-separated topic names" />
        <Field form={form} name="tags" label="Tags" hint="Comma-separated: env=prod, team=web" />
        <Field form={form} name="alertWhenLate" label="Also notify when a run is late" type="checkbox" />
        <Field form={form} name="manualResume" label="Only Resume lifts a pause (pings do not)" type="checkbox" />
        <Field form={form} name="paused" label="Paused" type="checkbox" />
      </fieldset>
    </Form>
  );
}

/** `/heartbeats/new` and `/heartbeats/:name/edit`. */
export function HeartbeatFormPage({ name }: { name?: string }) {
  const writer = canWrite(useStore(auth));
  const res = useResource(`heartbeat-form:${name ?? ''}`, (signal) =>
    name ? api.get<Heartbeat>(`/api/heartbeats/${seg(name)}`, { signal }) : Promise.resolve(undefined),
  );
  return (
    <Page
      title={name ? `Edit ${name}` : 'New heartbeat'}
      loading={res.loading && !res.data && name !== undefined}
      error={res.error}
      onRetry={res.reload}
    >
      {!writer ? (
        <p class="notice">Your role (viewer) may look but not change heartbeats.</p>
      ) : (
        (!name || res.data) && <HeartbeatForm key={name ?? ''} existing={res.data} />
      )}
    </Page>
  );
}
