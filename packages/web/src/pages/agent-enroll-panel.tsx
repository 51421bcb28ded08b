/**
 * The "Enrol agents" panel (admin): make an enrolment token (uses, lifetime, tags), shown once with the
 * `tocsin-agent` command line to copy; the tokens with their uses and state; revoke one.
 */
import { enrollmentTokenCreateSchema } from '@tocsin/protocol';
import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { CopyButton } from '../components/copy-button.js';
import { DataTable } from '../components/data-table.js';
import { Field, Form, useForm } from '../components/form.js';
import { Section } from '../components/page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { api } from '../core/api-client.js';
import { numberOrText, parseTags, tagsText } from '../core/form-text.js';
import { seg } from '../core/router.js';
import { useResource } from '../core/use-resource.js';
import { type EnrollmentToken, enrollCommand, loadEnrollmentTokens } from './agent-api.js';

type Created = EnrollmentToken & { token: string };

const tokenTone: Record<EnrollmentToken['state'], string> = {
  active: 'OK',
  used: 'PAUSED',
  expired: 'PAUSED',
  revoked: 'REVOKED',
};

function NewToken({ onCreated }: { onCreated: (t: Created) => void }) {
  const form = useForm({
    initial: { name: 'agents', uses: '1', expiresIn: '1h', tags: '' },
    schema: enrollmentTokenCreateSchema,
    toBody: (v) => ({
      name: v.name.trim(),
      uses: numberOrText(v.uses),
      expiresIn: v.expiresIn.trim(),
      tags: parseTags(v.tags),
    }),
    onSubmit: async (body) => onCreated(await api.post<Created>('/api/agents/enrollment-tokens', body)),
  });
  return (
    <Form form={form} submitLabel="Create enrolment token">
      <div class="form-grid">
        <Field form={form} name="name" label="Token name" required hint="What it enrols: web-servers" />
        <Field form={form} name="uses" label="Uses" inputMode="numeric" hint="How many hosts may enrol with it" />
        <Field form={form} name="expiresIn" label="Expires in" hint="Such as 1h or 7d (30d at most)" />
        <Field form={form} name="tags" label="Tags" placeholder="role=web, env=prod" hint="Given to every host" />
      </div>
    </Form>
  );
}

function CreatedToken({ created, onDone }: { created: Created; onDone: () => void }) {
  const line = enrollCommand(created.token);
  const hosts = created.uses === 1 ? '1 host' : `${created.uses} hosts`;
  return (
    <div class="notice" role="status">
      <p>
        The enrolment token <strong>{created.name}</strong> enrols {hosts} until <Time at={created.expiresAt} />. Copy
        it now: it is shown only once. On each host, run:
      </p>
      <div class="code-line">
        <code class="break" data-testid="enroll-command">
          {line}
        </code>
        <CopyButton text={line} label="Copy command" />
      </div>
      <div class="code-line">
        <code class="break" data-testid="new-enrollment-token">
          {created.token}
        </code>
        <CopyButton text={created.token} label="Copy token" />
      </div>
      <button type="button" class="link-button" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

export function EnrollPanel() {
  const res = useResource('enrollment-tokens', loadEnrollmentTokens);
  const [created, setCreated] = useState<Created | undefined>();
  return (
    <Section title="Enrol agents">
      <NewToken
        onCreated={(t) => {
          setCreated(t);
          res.reload();
        }}
      />
      {created && <CreatedToken created={created} onDone={() => setCreated(undefined)} />}
      <DataTable<EnrollmentToken>
        caption="Enrolment tokens"
        rows={res.data ?? []}
        rowKey={(t) => t.id}
        rowTestId={(t) => `enrollment-token-row-${t.name}`}
        empty={res.error ? 'The tokens could not be read.' : 'No enrolment tokens yet.'}
        columns={[
          { header: 'Token', render: (t) => <strong>{t.name}</strong> },
          { header: 'Used', class: 'num', render: (t) => `${t.used} of ${t.uses}` },
          { header: 'Tags', render: (t) => tagsText(t.tags) || <span class="muted">—</span> },
          { header: 'Expires', render: (t) => <Time at={t.expiresAt} relative /> },
          { header: 'State', render: (t) => <StateBadge state={tokenTone[t.state]} label={t.state} /> },
          {
            header: 'Actions',
            render: (t) =>
              t.state === 'active' && (
                <ConfirmButton
                  label={`Revoke token ${t.name}`}
                  danger
                  confirmLabel="Revoke token"
                  question={<p>Revoke the enrolment token {t.name}? Agents it enrolled keep their own credentials.</p>}
                  onConfirm={async () => {
                    await api.del(`/api/agents/enrollment-tokens/${seg(t.id)}`);
                    toast(`Revoked the enrolment token ${t.name}.`);
                    res.reload();
                  }}
                />
              ),
          },
        ]}
      />
    </Section>
  );
}
