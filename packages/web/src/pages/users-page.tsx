import { type User, userCreateSchema, userPatchSchema, userRoles } from '@tocsin/protocol';
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Dialog } from '../components/dialog.js';
import { Field, Form, useForm } from '../components/form.js';
import { Page, Section } from '../components/page.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api, errorMessage } from '../core/api-client.js';
import { seg } from '../core/router.js';
import { auth } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { AdminOnly } from './admin-only.js';

const roleOptions = [
  { value: 'viewer', label: 'viewer: looks, changes nothing' },
  { value: 'editor', label: 'editor: changes monitors, alarms, topics…' },
  { value: 'admin', label: 'admin: also tokens and users' },
];

function NewUser({ onCreated }: { onCreated: () => void }) {
  const form = useForm({
    initial: { name: '', password: '', role: 'viewer' },
    schema: userCreateSchema,
    toBody: (v) => ({ name: v.name.trim(), password: v.password, role: v.role }),
    onSubmit: async (body) => {
      await api.post('/api/users', body);
      toast(`Created ${(body as { name: string }).name}.`);
      form.set('name', '');
      form.set('password', '');
      onCreated();
    },
  });
  return (
    <Form form={form} submitLabel="Create user">
      <div class="form-grid">
        <Field form={form} name="name" label="Name" required autoComplete="off" />
        <Field
          form={form}
          name="password"
          label="Password"
          type="password"
          required
          autoComplete="new-password"
          hint="At least 10 characters; they can change it on their Account page."
        />
        <Field form={form} name="role" label="Role" type="select" options={roleOptions} />
      </div>
    </Form>
  );
}

function ResetPassword({ user, onDone }: { user: User; onDone: () => void }) {
  const form = useForm({
    // Its own field name: the new-user form's password field is on the page too (ids stay unique).
    initial: { newPassword: '' },
    schema: userPatchSchema,
    toBody: (v) => ({ password: v.newPassword }),
    fieldOf: () => 'newPassword',
    onSubmit: async (body) => {
      await api.patch(`/api/users/${seg(user.name)}`, body);
      toast(`New password set for ${user.name}; their sessions have ended.`);
      onDone();
    },
  });
  return (
    <Form
      form={form}
      submitLabel="Set password"
      extraActions={
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      }
    >
      <Field
        form={form}
        name="newPassword"
        label={`New password for ${user.name}`}
        type="password"
        autoComplete="new-password"
        hint="At least 10 characters. Their sessions end."
      />
    </Form>
  );
}

function RoleSelect({ user, self, onChanged }: { user: User; self: boolean; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const id = `role-${user.id}`;
  return (
    <>
      <label for={id} class="visually-hidden">
        Role of {user.name}
      </label>
      <select
        id={id}
        value={user.role}
        disabled={busy || self}
        title={self ? 'Another admin may change your role' : undefined}
        onChange={async (e) => {
          const role = (e.currentTarget as HTMLSelectElement).value;
          setBusy(true);
          try {
            await api.patch(`/api/users/${seg(user.name)}`, { role });
            toast(`${user.name} is now ${role}.`);
          } catch (err) {
            toast(errorMessage(err), 'error');
          } finally {
            setBusy(false);
            onChanged();
          }
        }}
      >
        {userRoles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </>
  );
}

function UsersContent() {
  const me = useStore(auth);
  const myName = me.status === 'signed-in' ? me.session.user.name : '';
  const res = useResource('users', (signal) => api.get<{ users: User[] }>('/api/users', { signal }));
  const [resetting, setResetting] = useState<User | undefined>();
  const all = res.data?.users ?? [];
  return (
    <>
      <Page
        title="Users"
        description="People who sign in to this UI, with their role."
        loading={!res.data && res.loading}
        error={res.data ? undefined : res.error}
        onRetry={res.reload}
      >
        <Section title="Users">
          <DataTable
            caption="Users"
            rows={all}
            rowKey={(u) => u.id}
            rowTestId={(u) => `user-row-${u.name}`}
            columns={[
              {
                header: 'Name',
                render: (u) => (
                  <>
                    <strong>{u.name}</strong>
                    {u.name === myName && <span class="muted"> (you)</span>}
                  </>
                ),
              },
              {
                header: 'Role',
                render: (u) => <RoleSelect user={u} self={u.name === myName} onChanged={res.reload} />,
              },
              { header: 'Two-factor', render: (u) => (u.totp ? 'on' : 'off') },
              { header: 'Created', render: (u) => <Time at={u.createdAt} /> },
              { header: 'Last sign-in', render: (u) => <Time at={u.lastLoginAt} relative /> },
              {
                header: 'Actions',
                render: (u) => (
                  <div class="pill-row">
                    <button type="button" onClick={() => setResetting(u)}>
                      Reset password of {u.name}
                    </button>
                    {u.name !== myName && (
                      <ConfirmButton
                        label={`Delete ${u.name}`}
                        danger
                        confirmLabel="Delete user"
                        question={<p>Delete the user {u.name}? Their sessions end.</p>}
                        onConfirm={async () => {
                          await api.del(`/api/users/${seg(u.name)}`);
                          toast(`Deleted ${u.name}.`);
                          res.reload();
                        }}
                      />
                    )}
                  </div>
                ),
              },
            ]}
          />
        </Section>
        <Section title="New user">
          <NewUser onCreated={res.reload} />
        </Section>
      </Page>
      <Dialog open={resetting !== undefined} title="Reset password" onClose={() => setResetting(undefined)}>
        {resetting && <ResetPassword key={resetting.id} user={resetting} onDone={() => setResetting(undefined)} />}
      </Dialog>
    </>
  );
}

/** `/users` (admin only): list, create, change role, reset password, delete. */
export function UsersPage() {
  return (
    <AdminOnly title="Users">
      <UsersContent />
    </AdminOnly>
  );
}
