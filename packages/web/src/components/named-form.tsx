/**
 * The create-or-edit form of a named resource (a monitor, a heartbeat): `/things/new` posts to `/api/things`,
 * `/things/:name/edit` puts to `/api/things/{name}`; both then go to the resource's page. The name is typed when
 * creating and shown (not editable, it is the key) when editing. The page loads what it edits; a viewer gets a
 * notice instead of a form the server would refuse.
 */
import { type ComponentChildren, Fragment } from 'preact';
import { api } from '../core/api-client.js';
import { navigate, seg } from '../core/router.js';
import { auth, canWrite } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { Field, Form, type FormOptions, type FormState, type FormValues, useForm } from './form.js';
import { Link } from './link.js';
import { Page } from './page.js';
import { toast } from './toasts.js';

export interface NamedKind {
  /** `monitor`: the word in labels and messages. */
  noun: string;
  /** `/monitors`: the list page; the API is under `/api` + this. */
  base: string;
}

/** A form that creates (POST) or replaces (PUT) the resource, then opens its page. */
export function useNamedForm<V extends FormValues>(
  kind: NamedKind,
  existing: { name: string } | undefined,
  options: Omit<FormOptions<V>, 'onSubmit'>,
): FormState<V> {
  return useForm({
    ...options,
    onSubmit: async (body) => {
      const name = (body as { name: string }).name;
      if (existing) await api.put(`/api${kind.base}/${seg(existing.name)}`, body);
      else await api.post(`/api${kind.base}`, body);
      toast(existing ? `Saved ${name}.` : `Created ${name}.`);
      navigate(`${kind.base}/${seg(name)}`);
    },
  });
}

/** The form with its submit and Cancel buttons; `head` follows the name (in the first row of fields). */
export function NamedForm<V extends FormValues>(props: {
  kind: NamedKind;
  form: FormState<V>;
  existing: { name: string } | undefined;
  head?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const { kind, form, existing } = props;
  const back = existing ? `${kind.base}/${seg(existing.name)}` : kind.base;
  return (
    <Form
      form={form}
      submitLabel={`${existing ? 'Save' : 'Create'} ${kind.noun}`}
      extraActions={
        <Link class="button" href={back}>
          Cancel
        </Link>
      }
    >
      <div class="form-grid">
        {existing ? (
          <div class="field">
            <span class="label">Name</span>
            <code>{existing.name}</code>
          </div>
        ) : (
          <Field
            form={form}
            name="name"
            label="Name"
            required
            hint={`Letters, digits, . _ - (the ${kind.noun}'s key)`}
          />
        )}
        {props.head}
      </div>
      {props.children}
    </Form>
  );
}

/** `/things/new` and `/things/:name/edit`: loads the resource to edit, then renders `form(existing)`. */
export function NamedFormPage<T extends { name: string }>(props: {
  kind: NamedKind;
  name?: string;
  form: (existing: T | undefined) => ComponentChildren;
}) {
  const { kind, name } = props;
  const writer = canWrite(useStore(auth));
  const res = useResource(`${kind.noun}-form:${name ?? ''}`, (signal) =>
    name ? api.get<T>(`/api${kind.base}/${seg(name)}`, { signal }) : Promise.resolve(undefined),
  );
  return (
    <Page
      title={name ? `Edit ${name}` : `New ${kind.noun}`}
      loading={res.loading && !res.data && name !== undefined}
      error={res.error}
      onRetry={res.reload}
    >
      {!writer ? (
        <p class="notice">Your role (viewer) may look but not change {kind.noun}s.</p>
      ) : (
        (!name || res.data) && <Fragment key={name ?? ''}>{props.form(res.data)}</Fragment>
      )}
    </Page>
  );
}
