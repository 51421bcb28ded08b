import { useState } from 'preact/hooks';
import { Field, Form, useForm } from '../components/form.js';
import { Page } from '../components/page.js';
import { ApiError, api } from '../core/api-client.js';
import type { Session } from '../core/api-types.js';
import { signIn } from '../core/session-store.js';
import { loginSchema } from '@tocsin/protocol';

/** Sign in with name and password, then the authenticator's code when the server asks for it. */
export function LoginPage({ notice }: { notice?: string }) {
  const [totpStep, setTotpStep] = useState(false);
  const form = useForm({
    initial: { name: '', password: '', totp: '' },
    schema: loginSchema,
    toBody: (v) => ({ name: v.name.trim(), password: v.password, ...(totpStep ? { totp: v.totp.trim() } : {}) }),
    onSubmit: async (body) => {
      try {
        signIn(await api.post<Session>('/api/session', body, { quiet401: true }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401 && err.details.totpRequired === true && !totpStep) {
          setTotpStep(true);
          window.setTimeout(() => document.getElementById('field-totp')?.focus(), 0);
          return;
        }
        throw err;
      }
    },
  });
  return (
    <Page title="Sign in">
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <Form form={form} submitLabel={totpStep ? 'Verify' : 'Sign in'}>
        <Field form={form} name="name" label="User name" autoComplete="username" required />
        <Field form={form} name="password" label="Password" type="password" autoComplete="current-password" required />
        {totpStep && (
          <Field
            form={form}
            name="totp"
            label="Authentication code"
            autoComplete="one-time-code"
            inputMode="numeric"
            required
            hint="The 6 digits your authenticator app shows for Tocsin."
          />
        )}
      </Form>
    </Page>
  );
}
