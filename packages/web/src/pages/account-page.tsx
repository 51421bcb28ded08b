import { useState } from 'preact/hooks';
import { CopyButton } from '../components/copy-button.js';
import { Field, Form, useForm } from '../components/form.js';
import { Page, Section } from '../components/page.js';
import { toast } from '../components/toasts.js';
import { api, errorMessage } from '../core/api-client.js';
import type { Session } from '../core/api-types.js';
import { auth, signIn } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { PASSWORD_MIN, passwordChangeSchema, totpCodeBodySchema } from '@tocsin/protocol';

function PasswordForm() {
  const form = useForm({
    initial: { current: '', password: '' },
    schema: passwordChangeSchema,
    onSubmit: async (body) => {
      await api.put('/api/session/password', body);
      toast('Password changed.');
    },
  });
  return (
    <Form form={form} submitLabel="Change password">
      <Field form={form} name="current" label="Current password" type="password" autoComplete="current-password" />
      <Field
        form={form}
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${PASSWORD_MIN} characters.`}
      />
    </Form>
  );
}

async function refreshSession(): Promise<void> {
  signIn(await api.get<Session>('/api/session'));
}

function TotpEnrol() {
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const form = useForm({
    initial: { code: '' },
    schema: totpCodeBodySchema,
    toBody: (v) => ({ code: v.code.trim() }),
    onSubmit: async (body) => {
      await api.post('/api/session/totp/confirm', body);
      toast('Two-factor sign-in is on.');
      setSecret(undefined);
      await refreshSession();
    },
  });
  if (!secret)
    return (
      <div>
        <p>Sign in with a code from an authenticator app as well as your password.</p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button
          type="button"
          class="button-primary"
          onClick={async () => {
            try {
              setError(undefined);
              setSecret(await api.post('/api/session/totp'));
            } catch (err) {
              setError(errorMessage(err));
            }
          }}
        >
          Set up two-factor sign-in
        </button>
      </div>
    );
  return (
    <div>
      <p>
        Add this account to your authenticator app with the secret or the otpauth URL, then enter the code it shows.
      </p>
      <dl class="facts">
        <dt>Secret</dt>
        <dd>
          <code class="break">{secret.secret}</code> <CopyButton text={secret.secret} label="Copy secret" />
        </dd>
        <dt>otpauth URL</dt>
        <dd>
          <code class="break">{secret.otpauthUrl}</code> <CopyButton text={secret.otpauthUrl} label="Copy URL" />
        </dd>
      </dl>
      <Form form={form} submitLabel="Turn on">
        <Field form={form} name="code" label="Code from the app" inputMode="numeric" autoComplete="one-time-code" />
      </Form>
    </div>
  );
}

function TotpDisable() {
  const form = useForm({
    initial: { code: '' },
    schema: totpCodeBodySchema,
    toBody: (v) => ({ code: v.code.trim() }),
    onSubmit: async (body) => {
      await api.del('/api/session/totp', body);
      toast('Two-factor sign-in is off.');
      await refreshSession();
    },
  });
  return (
    <div>
      <p>Two-factor sign-in is on. To turn it off, enter a current code.</p>
      <Form form={form} submitLabel="Turn off">
        <Field form={form} name="code" label="Code from the app" inputMode="numeric" autoComplete="one-time-code" />
      </Form>
    </div>
  );
}

/** The signed-in user's own settings: password and TOTP. */
export function AccountPage() {
  const state = useStore(auth);
  if (state.status !== 'signed-in') return null;
  const user = state.session.user;
  return (
    <Page title="Account" description={`Signed in as ${user.name} (${user.role}).`}>
      <Section title="Password">
        <PasswordForm />
      </Section>
      <Section title="Two-factor sign-in">{user.totp ? <TotpDisable /> : <TotpEnrol />}</Section>
    </Page>
  );
}
