import { severities } from '@tocsin/protocol';
import { Field, Form, type FormState, useForm } from '../components/form.js';
import { toast } from '../components/toasts.js';
import { ApiError, api } from '../core/api-client.js';
import type { LogRuleView } from '../core/api-types.js';
import { seg } from '../core/router.js';
import { PatternTester } from './log-pattern-tester.js';
import {
  type LogRuleFormValues,
  ruleBody,
  ruleFormValues,
  ruleKindLabels,
  ruleSchema,
} from './log-rule-form-values.js';

export interface LogRuleFormProps {
  /** The rule being edited; a new one otherwise (its kind, group and pattern may come from `query`). */
  rule?: LogRuleView;
  query?: URLSearchParams;
  onSaved: (rule: { name: string }) => void;
  onCancel: () => void;
}

const topicsHint = 'Topic names, separated by commas.';
const patternHint =
  'CloudWatch Logs filter syntax: ERROR, "timed out", { $.latency > 500 }, [ip, ..., status = 5*]; ' +
  'empty matches every event.';

/**
 * Create or replace (`PUT /api/log-rules/{name}`) a route, metric filter or log alarm, checked with the API's own
 * schema before it is sent; the pattern being edited can be tried on pasted lines below the form.
 */
export function LogRuleForm({ rule, query, onSaved, onCancel }: LogRuleFormProps) {
  const form = useForm<LogRuleFormValues>({
    initial: ruleFormValues(rule, query),
    schema: ruleSchema,
    toBody: ruleBody,
    onSubmit: async (body) => {
      const name = (body as { name: string }).name;
      if (!rule) await refuseExisting(name);
      const saved = await api.put<{ name?: string } | undefined>(`/api/log-rules/${seg(name)}`, body);
      toast(rule ? `Rule ${name} saved.` : `Rule ${name} created.`);
      onSaved({ name: saved?.name ?? name });
    },
  });
  const kind = form.values.kind;
  return (
    <>
      <Form
        form={form}
        submitLabel={rule ? 'Save rule' : 'Create rule'}
        extraActions={
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        }
      >
        <div class="form-grid">
          {!rule && (
            <Field
              form={form}
              name="kind"
              label="Kind"
              type="select"
              options={Object.entries(ruleKindLabels).map(([value, label]) => ({ value, label }))}
            />
          )}
          {!rule && <Field form={form} name="name" label="Name" required />}
          <Field form={form} name="description" label="Description" />
          <Field form={form} name="group" label="Log group" hint="A group's name, or * for every group." />
          <Field form={form} name="source" label="Source" hint="Only events of this service or function." />
          <Field form={form} name="stage" label="Stage" hint="Only events of this stage or environment." />
          <Field form={form} name="enabled" label="Enabled" type="checkbox" />
        </div>
        <Field form={form} name="pattern" label="Filter pattern" type="textarea" rows={2} hint={patternHint} />
        <fieldset>
          <legend>{ruleKindLabels[kind as keyof typeof ruleKindLabels] ?? kind}</legend>
          <div class="form-grid">
            {kind === 'route' && <RouteFields form={form} />}
            {kind === 'metric_filter' && <MetricFilterFields form={form} />}
            {kind === 'alarm' && <AlarmFields form={form} />}
          </div>
        </fieldset>
      </Form>
      <PatternTester pattern={form.values.pattern} />
    </>
  );
}

/** A new rule must not replace one of the same name (the API's PUT would). */
async function refuseExisting(name: string): Promise<void> {
  try {
    await api.get(`/api/log-rules/${seg(name)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return;
    throw err;
  }
  const issues = [{ path: 'name', message: `a rule named ${name} exists; pick another name or edit that one` }];
  throw new ApiError(409, 'conflict', `A rule named ${name} exists.`, { issues });
}

type Fields = { form: FormState<LogRuleFormValues> };

function RouteFields({ form }: Fields) {
  return (
    <>
      <Field form={form} name="topics" label="Topics" required hint={topicsHint} />
      <Field form={form} name="severity" label="Severity" type="select" options={severities} />
      <Field form={form} name="title" label="Title" hint="{field} takes an event field or $.json.path." />
      <Field form={form} name="dedupKey" label="Dedup key" hint="What makes two matches one problem (templated)." />
      <Field form={form} name="throttle" label="Throttle" hint="At most one notification per key in this window." />
      <Field form={form} name="sampleLines" label="Sample lines" type="number" hint="The first and last this many." />
      <Field form={form} name="maxPerMinute" label="Circuit breaker" type="number" hint="Notifications a minute." />
    </>
  );
}

function MetricFilterFields({ form }: Fields) {
  return (
    <>
      <Field form={form} name="namespace" label="Namespace" required />
      <Field form={form} name="metricName" label="Metric" required />
      <Field form={form} name="value" label="Value" hint="A number, or a selector such as $.latency or $bytes." />
      <Field
        form={form}
        name="defaultValue"
        label="Default value"
        type="number"
        hint="Sent for a batch with no match."
      />
      <Field form={form} name="dimensions" label="Dimensions" placeholder="Region=$.region, Host=$ip" />
      <Field form={form} name="unit" label="Unit" placeholder="Milliseconds" />
    </>
  );
}

function AlarmFields({ form }: Fields) {
  return (
    <>
      <Field
        form={form}
        name="measure"
        label="Measure"
        type="select"
        options={[
          { value: 'count', label: 'Count of matches' },
          { value: 'ratio', label: 'Matches as % of all lines' },
        ]}
      />
      <Field form={form} name="threshold" label="Threshold" type="number" required />
      <Field form={form} name="minCount" label="Minimum lines" type="number" hint="For a ratio: fewer never alarm." />
      <Field form={form} name="period" label="Period" hint="1m to 1d." />
      <Field form={form} name="evaluationPeriods" label="Evaluation periods" type="number" />
      <Field form={form} name="datapointsToAlarm" label="Datapoints to alarm" type="number" hint="All when empty." />
      <Field form={form} name="alarmActions" label="Topics on ALARM" hint={topicsHint} />
      <Field form={form} name="okActions" label="Topics on OK" hint={topicsHint} />
    </>
  );
}
