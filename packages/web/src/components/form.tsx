/**
 * Forms that validate with the API's own zod schemas. `useForm` holds the values (strings and booleans as the
 * inputs give them), turns them into a request body with `toBody`, checks it with the schema on submit, and shows
 * each problem beside its field: the schema's issues before sending, the server's `details.issues` after.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../core/api-client.js';

export type FormValues = Record<string, string | boolean>;

/** What the form needs of a zod schema (any of @tocsin/protocol's). */
export interface SchemaLike {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: SchemaIssue[] } };
}

interface SchemaIssue {
  path: PropertyKey[];
  message: string;
  code?: string;
  /** A record key's own issues (zod's `invalid_key`), whose message says what is wrong with the key. */
  issues?: { message: string }[];
}

/** An issue's message; a bad record key (a tag key) says which key and why, not "Invalid key in record". */
function issueMessage(i: SchemaIssue): string {
  if (i.code === 'invalid_key' && i.issues?.[0]) return `'${String(i.path.at(-1))}': ${i.issues[0].message}`;
  return i.message;
}

export interface FormOptions<V extends FormValues> {
  initial: V;
  /** The schema the API checks the body with (from @tocsin/protocol). */
  schema?: SchemaLike;
  /** The body sent: typed values from the inputs' strings. */
  toBody?: (values: V) => unknown;
  /** Maps an issue path of the body (`tags`, `expectedStatus.0`) to the field that shows it. */
  fieldOf?: (path: string) => string;
  onSubmit: (body: unknown, values: V) => Promise<unknown>;
}

export interface FormState<V extends FormValues> {
  values: V;
  set: (name: keyof V & string, value: string | boolean) => void;
  errors: Record<string, string>;
  /** A problem not tied to a field (the server's message). */
  formError: string | undefined;
  submitting: boolean;
  submit: (e?: Event) => Promise<void>;
}

function issuesToFields(issues: { path: string; message: string }[], fieldOf: (p: string) => string) {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const f = fieldOf(i.path);
    if (!(f in out)) out[f] = i.message;
  }
  return out;
}

const defaultFieldOf = (p: string) => p.split('.')[0] || '_';

export function useForm<V extends FormValues>(options: FormOptions<V>): FormState<V> {
  const [values, setValues] = useState<V>(options.initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [submitting, setSubmitting] = useState(false);
  const fieldOf = options.fieldOf ?? defaultFieldOf;

  const set = (name: keyof V & string, value: string | boolean) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      if (!(name in e)) return e;
      const { [name]: _, ...rest } = e;
      return rest;
    });
  };

  const submit = async (e?: Event) => {
    e?.preventDefault();
    setFormError(undefined);
    const body = options.toBody ? options.toBody(values) : values;
    if (options.schema) {
      const parsed = options.schema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({
          path: i.path.map(String).join('.'),
          message: issueMessage(i),
        }));
        setErrors(issuesToFields(issues, fieldOf));
        focusFirstError();
        return;
      }
    }
    setErrors({});
    setSubmitting(true);
    try {
      await options.onSubmit(body, values);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fields : {};
      const mapped = issuesToFields(
        Object.entries(fields).map(([path, message]) => ({ path, message })),
        fieldOf,
      );
      setErrors(mapped);
      const unplaced = Object.keys(mapped).some((f) => !document.getElementById(`field-${f}`));
      if (Object.keys(mapped).length === 0 || unplaced) setFormError(errorMessage(err));
      focusFirstError();
    } finally {
      setSubmitting(false);
    }
  };

  return { values, set, errors, formError, submitting, submit };
}

function focusFirstError(): void {
  window.setTimeout(() => {
    const el = document.querySelector<HTMLElement>('[aria-invalid="true"]');
    el?.focus();
  }, 0);
}

export interface FormProps<V extends FormValues> {
  form: FormState<V>;
  submitLabel: string;
  children?: ComponentChildren;
  /** Beside the submit button (Cancel). */
  extraActions?: ComponentChildren;
}

export function Form<V extends FormValues>({ form, submitLabel, children, extraActions }: FormProps<V>) {
  return (
    <form class="form" onSubmit={form.submit} noValidate>
      {children}
      {form.formError && (
        <p class="form-error" role="alert">
          {form.formError}
        </p>
      )}
      <div class="form-actions">
        <button type="submit" class="button-primary" disabled={form.submitting}>
          {form.submitting ? 'Saving…' : submitLabel}
        </button>
        {extraActions}
      </div>
    </form>
  );
}

export interface FieldProps<V extends FormValues> {
  form: FormState<V>;
  name: keyof V & string;
  label: string;
  /** input types, or `select`, `textarea`, `checkbox`. */
  type?: 'text' | 'password' | 'number' | 'url' | 'select' | 'textarea' | 'checkbox';
  options?: readonly (string | { value: string; label: string })[];
  hint?: ComponentChildren;
  placeholder?: string;
  autoComplete?: string;
  required?: boolean;
  inputMode?: JSX.HTMLAttributes['inputMode'];
  rows?: number;
}

/** A labelled input bound to the form, with its hint and its error (aria-describedby) below it. */
export function Field<V extends FormValues>(props: FieldProps<V>) {
  const { form, name, label, type = 'text' } = props;
  const id = `field-${name}`;
  const error = form.errors[name];
  const described = [props.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const common = {
    id,
    name,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
    required: props.required,
  };
  const value = form.values[name];
  const onInput = (e: Event) => form.set(name, (e.currentTarget as HTMLInputElement).value);
  let control: ComponentChildren;
  if (type === 'checkbox') {
    control = (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(e) => form.set(name, (e.currentTarget as HTMLInputElement).checked)}
      />
    );
  } else if (type === 'select') {
    control = (
      <select {...common} value={String(value)} onChange={onInput}>
        {(props.options ?? []).map((o) => {
          const opt = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={opt.value} value={opt.value}>
              {opt.label}
            </option>
          );
        })}
      </select>
    );
  } else if (type === 'textarea') {
    control = (
      <textarea
        {...common}
        rows={props.rows ?? 4}
        value={String(value)}
        placeholder={props.placeholder}
        onInput={onInput}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type={type}
        value={String(value)}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        onInput={onInput}
      />
    );
  }
  return (
    <div class={`field ${type === 'checkbox' ? 'field-checkbox' : ''} ${error ? 'field-invalid' : ''}`}>
      <label for={id}>
        {label}
        {props.required && <span class="required"> (required)</span>}
      </label>
      {control}
      {props.hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
