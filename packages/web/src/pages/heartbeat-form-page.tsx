import { heartbeatInputSchema } from '@tocsin/protocol';
import { Field } from '../components/form.js';
import { NamedForm, NamedFormPage, useNamedForm } from '../components/named-form.js';
import type { Heartbeat } from '../core/api-types.js';
import { heartbeatBody, heartbeatFieldOf, heartbeatFormInitial, heartbeatValues } from './heartbeat-form-values.js';

const kind = { noun: 'heartbeat', base: '/heartbeats' };

function HeartbeatForm({ existing }: { existing?: Heartbeat }) {
  const form = useNamedForm(kind, existing, {
    initial: existing ? heartbeatValues(existing) : heartbeatFormInitial,
    schema: heartbeatInputSchema,
    toBody: heartbeatBody,
    fieldOf: heartbeatFieldOf,
  });
  const cron = form.values.schedule === 'cron';
  return (
    <NamedForm
      kind={kind}
      form={form}
      existing={existing}
      head={
        <>
          <Field form={form} name="displayName" label="Display name" hint="Free text to show; the name stays the key" />
          <Field
            form={form}
            name="slug"
            label="Slug"
            hint="For ping URLs by ping key: lower-case letters, digits, - and _ (from the name when empty)"
          />
        </>
      }
    >
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
    </NamedForm>
  );
}

/** `/heartbeats/new` and `/heartbeats/:name/edit`. */
export function HeartbeatFormPage({ name }: { name?: string }) {
  return <NamedFormPage<Heartbeat> kind={kind} name={name} form={(h) => <HeartbeatForm existing={h} />} />;
}
