import { Field, Form, useForm } from '../components/form.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';
import {
  type AlarmFormValues,
  type AlarmSpecView,
  type AlarmView,
  alarmBody,
  alarmFieldOf,
  alarmFormValues,
  alarmSchema,
  comparisonOperators,
  treatMissingDataValues,
} from './alarm-form-values.js';
import { statistics } from './metric-query.js';

export interface AlarmFormProps {
  /** The alarm being edited; a new one otherwise (pre-filled from `query`). */
  spec?: AlarmSpecView;
  query?: URLSearchParams;
  onSaved: (alarm: AlarmView) => void;
  onCancel: () => void;
}

/** Create (POST /api/alarms) or replace (PUT /api/alarms/{name}) a metric or composite alarm. */
export function AlarmForm({ spec, query, onSaved, onCancel }: AlarmFormProps) {
  const form = useForm<AlarmFormValues>({
    initial: alarmFormValues(spec, query),
    schema: alarmSchema,
    toBody: (v) => alarmBody(v, spec),
    fieldOf: alarmFieldOf,
    onSubmit: async (body) => {
      const saved = spec
        ? await api.put<AlarmView>(`/api/alarms/${seg(spec.name)}`, body)
        : await api.post<AlarmView>('/api/alarms', body);
      toast(spec ? `Alarm ${saved.name} saved.` : `Alarm ${saved.name} created.`);
      onSaved(saved);
    },
  });
  const composite = form.values.kind === 'composite';
  const topicsHint = 'Topic names, separated by commas.';
  return (
    <Form
      form={form}
      submitLabel={spec ? 'Save alarm' : 'Create alarm'}
      extraActions={
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      }
    >
      <div class="form-grid">
        {!spec && (
          <Field
            form={form}
            name="kind"
            label="Kind"
            type="select"
            options={[
              { value: 'metric', label: 'Metric alarm' },
              { value: 'composite', label: 'Composite (a rule over other alarms)' },
            ]}
          />
        )}
        {!spec && <Field form={form} name="name" label="Name" required />}
        <Field form={form} name="description" label="Description" />
        {composite ? (
          <Field
            form={form}
            name="rule"
            label="Rule"
            type="textarea"
            rows={3}
            required
            hint='Such as ALARM("api-latency") AND NOT OK("db-cpu"); TRUE and FALSE too.'
          />
        ) : (
          <>
            <Field form={form} name="namespace" label="Namespace" required />
            <Field form={form} name="metricName" label="Metric" required />
            <Field form={form} name="dimensions" label="Dimensions" placeholder="Monitor=api, Region=eu" />
            <Field
              form={form}
              name="statistic"
              label="Statistic"
              required
              hint={`${statistics.slice(0, 5).join(', ')} or a percentile such as p99.`}
            />
            <Field form={form} name="period" label="Period" required hint="10s, 20s, 30s or a multiple of 1m." />
            <Field
              form={form}
              name="comparisonOperator"
              label="Comparison"
              type="select"
              options={comparisonOperators}
            />
            <Field form={form} name="threshold" label="Threshold" type="number" required />
            <Field form={form} name="evaluationPeriods" label="Evaluation periods" type="number" required />
            <Field
              form={form}
              name="datapointsToAlarm"
              label="Datapoints to alarm"
              type="number"
              hint="Of the evaluation periods; all of them when empty."
            />
            <Field
              form={form}
              name="treatMissingData"
              label="Missing data"
              type="select"
              options={treatMissingDataValues}
            />
          </>
        )}
        <Field form={form} name="alarmTopics" label="Topics on ALARM" hint={topicsHint} />
        <Field form={form} name="okTopics" label="Topics on OK" hint={topicsHint} />
        <Field form={form} name="insufficientTopics" label="Topics on INSUFFICIENT_DATA" hint={topicsHint} />
        <Field form={form} name="actionsEnabled" label="Actions enabled" type="checkbox" />
      </div>
    </Form>
  );
}
