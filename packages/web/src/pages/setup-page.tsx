import { Field, Form, useForm } from '../components/form.js';
import { Page } from '../components/page.js';
import { api } from '../core/api-client.js';
import type { Session } from '../core/api-types.js';
import { signIn } from '../core/session-store.js';
import { PASSWORD_MIN, setupSchema } from '@tocsin/protocol';

/** First run: creates the first admin with the setup code the server printed. */
export function SetupPage() {
  const form = useForm({
    initial: { name: 'admin', password: '', confirm: '', setupCode: '' },
    schema: setupSchema,
    toBody: (v) => ({ name: v.name.trim(), password: v.password, setupCode: v.setupCode.trim() }),
    onSubmit: async (body) => signIn(await api.post<Session>('/api/setup', body, { quiet401: true })),
  });
  const mismatch = form.values.confirm !== '' && form.values.confirm !== form.values.password;
  return (
    <Page
      title="Set up Tocsin"
      description="No user exists yet. Create the first administrator; more users can be added afterwards."
    >
      <Form form={form} submitLabel="Create administrator">
        <Field form={form} name="name" label="User name" autoComplete="username" required />
        <Field
          form={form}
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint={`At least ${PASSWORD_MIN} characters.`}
        />
        <Field form={form} name="confirm" label="Password again" type="password" autoComplete="new-password" />
        {mismatch && <p class="field-error">The two passwords differ.</p>}
        <Field
          form={form}
          name="setupCode"
          label="Setup code"
          autoComplete="off"
          required
          hint={
            <>
              The one-time code the server printed in its log when it started, also written to the file{' '}
              <code>setup-code</code> in its data directory (<code>data/setup-code</code> by default). The admin API
              token works too.
            </>
          }
        />
      </Form>
    </Page>
  );
}
