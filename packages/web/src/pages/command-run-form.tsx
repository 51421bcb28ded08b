/** The Run command form (admin): command, targets by tags or agent ids, expected count or group, limits, topics. */
import { commandRunInputSchema } from '@tocsin/protocol';
import { Field, Form, useForm } from '../components/form.js';
import { api } from '../core/api-client.js';
import { navigate, seg } from '../core/router.js';
import { useResource } from '../core/use-resource.js';
import { loadGroups } from './agent-api.js';
import type { CommandRun } from './command-verdict.js';
import { runBody, runFormInitial, tagRowsOf } from './command-run-form-values.js';
import { TagRows } from './tag-rows.js';

const targetOptions = [
  { value: 'tags', label: 'Agents with these tags' },
  { value: 'agents', label: 'These agent ids' },
];

const expectOptions = [
  { value: 'count', label: 'A number of hosts' },
  { value: 'group', label: "An agent group's expected size" },
  { value: 'targets', label: 'As many as the targets found' },
];

/** The form; a run started goes to its page. `initialAgents` pre-fills agent ids (from an agent's page). */
export function CommandRunForm({ initialAgents }: { initialAgents?: string[] }) {
  const groups = useResource('agent-groups', loadGroups);
  const form = useForm({
    initial: initialAgents?.length
      ? { ...runFormInitial, targetBy: 'agents', agents: initialAgents.join(', '), expectBy: 'targets' }
      : runFormInitial,
    schema: commandRunInputSchema,
    toBody: runBody,
    onSubmit: async (body) => {
      const run = await api.post<CommandRun>('/api/commands', body);
      navigate(`/commands/${seg(run.id)}`);
    },
  });
  const v = form.values;
  const groupNames = (groups.data ?? []).map((g) => g.name);
  const targetsError = form.errors.targets;
  return (
    <Form form={form} submitLabel="Run command">
      <Field
        form={form}
        name="command"
        label="Command"
        type="textarea"
        rows={3}
        required
        hint="Run with /bin/sh -c on each host whose agent allows commands."
      />
      <fieldset id="field-targets">
        <legend>Targets</legend>
        <Field form={form} name="targetBy" label="Run on" type="select" options={targetOptions} />
        {v.targetBy === 'tags' ? (
          <TagRows
            id="run-tags"
            legend="Tags every target has"
            rows={tagRowsOf(v.tags)}
            onChange={(rows) => form.set('tags', JSON.stringify(rows))}
            hint="Every row must match; a value such as prod|stage matches either."
            error={targetsError}
          />
        ) : (
          <Field form={form} name="agents" label="Agent ids" hint="Comma-separated, as on the Agents page." />
        )}
        {v.targetBy === 'agents' && targetsError && <p class="field-error">{targetsError}</p>}
      </fieldset>
      <fieldset>
        <legend>Expected hosts</legend>
        <Field form={form} name="expectBy" label="Expect" type="select" options={expectOptions} />
        {v.expectBy === 'count' && (
          <Field
            form={form}
            name="expected"
            label="Expected hosts"
            inputMode="numeric"
            required
            hint="The run succeeds only if this many hosts ran it successfully."
          />
        )}
        {v.expectBy === 'group' &&
          (groupNames.length ? (
            <Field
              form={form}
              name="group"
              label="Group"
              type="select"
              options={[{ value: '', label: 'Choose a group' }, ...groupNames]}
              required
            />
          ) : (
            <Field form={form} name="group" label="Group" required hint="No agent group yet: type its name." />
          ))}
      </fieldset>
      <div class="form-grid">
        <Field form={form} name="maxConcurrency" label="Max concurrency" placeholder="100%" hint="Hosts or 25%" />
        <Field form={form} name="maxErrors" label="Max errors" placeholder="100%" hint="Stop after: hosts or 10%" />
        <Field form={form} name="deliveryTimeout" label="Delivery timeout" placeholder="10m" hint="To be taken" />
        <Field form={form} name="executionTimeout" label="Execution timeout" placeholder="1h" hint="To run" />
      </div>
      <Field form={form} name="topics" label="Topics" hint="Comma-separated: where the completion event goes." />
      <Field form={form} name="comment" label="Comment" hint="Why, for the audit." />
    </Form>
  );
}
