import { type TokenScope, tokenCreateSchema } from '@tocsin/protocol';
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { CopyButton } from '../components/copy-button.js';
import { DataTable } from '../components/data-table.js';
import { Field, Form, useForm } from '../components/form.js';
import { Page, Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { seg } from '../core/router.js';
import { useResource } from '../core/use-resource.js';
import { AdminOnly } from './admin-only.js';

export interface Token {
  id: string;
  name: string;
  scope: TokenScope;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const scopeOptions = [
  { value: 'read', label: 'read: every read of the API and /metrics' },
  { value: 'write', label: 'write: reads and every domain write (config apply, pauses…)' },
  { value: 'ingest', label: 'ingest: publish events and send metrics, nothing else' },
  { value: 'admin', label: 'admin: everything, tokens and users included' },
];

function NewToken({ onCreated }: { onCreated: (t: Token & { token: string }) => void }) {
  const form = useForm({
    initial: { name: '', scope: 'read' },
    schema: tokenCreateSchema,
    toBody: (v) => ({ name: v.name.trim(), scope: v.scope }),
    onSubmit: async (body) => {
      onCreated(await api.post<Token & { token: string }>('/api/tokens', body));
      form.set('name', '');
    },
  });
  return (
    <Form form={form} submitLabel="Create token">
      <div class="form-grid">
        <Field form={form} name="name" label="Name" required hint="Who or what uses it: grafana, ci" />
        <Field form={form} name="scope" label="Scope" type="select" options={scopeOptions} />
      </div>
    </Form>
  );
}

function TokensContent() {
  const res = useResource('tokens', (signal) => api.get<{ tokens: Token[] }>('/api/tokens', { signal }));
  const [created, setCreated] = useState<(Token & { token: string }) | undefined>();
  const all = res.data?.tokens ?? [];
  return (
    <Page
      title="Tokens"
      description="API tokens for scripts, CI and scrapers: send as Authorization: Bearer <token>."
      loading={!res.data && res.loading}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      <Section title="New token">
        <NewToken
          onCreated={(t) => {
            setCreated(t);
            res.reload();
          }}
        />
        {created && (
          <div class="notice" role="status">
            <p>
              The token <strong>{created.name}</strong> ({created.scope}). Copy it now: it is shown only once.
            </p>
            <div class="code-line">
              <code class="break" data-testid="new-token">
                {created.token}
              </code>
              <CopyButton text={created.token} label="Copy token" />
            </div>
            <button type="button" class="link-button" onClick={() => setCreated(undefined)}>
              I have copied it
            </button>
          </div>
        )}
      </Section>
      <Section title="Tokens">
        <DataTable
          caption="API tokens"
          rows={all}
          rowKey={(t) => t.id}
          rowTestId={(t) => `token-row-${t.name}`}
          empty="No API tokens yet."
          columns={[
            { header: 'Name', render: (t) => <strong>{t.name}</strong> },
            { header: 'Scope', render: (t) => t.scope },
            { header: 'Starts with', render: (t) => <code>{t.prefix}…</code> },
            { header: 'Created', render: (t) => <Time at={t.createdAt} /> },
            { header: 'Last used', render: (t) => <Time at={t.lastUsedAt} relative /> },
            {
              header: 'State',
              render: (t) =>
                t.revokedAt ? (
                  <span title={t.revokedAt}>
                    <StateBadge state="REVOKED" label="revoked" />
                  </span>
                ) : (
                  <StateBadge state="OK" label="active" />
                ),
            },
            {
              header: 'Actions',
              render: (t) =>
                !t.revokedAt && (
                  <ConfirmButton
                    label={`Revoke ${t.name}`}
                    danger
                    confirmLabel="Revoke token"
                    question={<p>Revoke the token {t.name}? Whatever uses it is refused from now on.</p>}
                    onConfirm={async () => {
                      await api.del(`/api/tokens/${seg(t.id)}`);
                      toast(`Revoked ${t.name}.`);
                      res.reload();
                    }}
                  />
                ),
            },
          ]}
        />
      </Section>
    </Page>
  );
}

/** `/tokens` (admin only): list, create (the value shown once, with a copy button), revoke. */
export function TokensPage() {
  return (
    <AdminOnly title="Tokens">
      <TokensContent />
    </AdminOnly>
  );
}
