import { useState } from 'preact/hooks';
import { ErrorState, LoadingState, Page, Section } from '../components/page.js';
import { toast } from '../components/toasts.js';
import { ApiError, api, errorMessage } from '../core/api-client.js';
import { auth, canWrite, isAdmin } from '../core/session-store.js';
import { useStore } from '../core/store.js';

interface ConfigChange {
  action: 'create' | 'update' | 'delete';
  resource: string;
  name: string;
  fields?: string[];
  children?: ConfigChange[];
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Export({ admin }: { admin: boolean }) {
  const [text, setText] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [secrets, setSecrets] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // The server prints the YAML, as tocsin export does.
      setText(await api.get<string>(`/api/config/export?format=yaml${secrets ? '&includeSecrets=true' : ''}`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p>The current monitors, heartbeats, alarms, topics, groups, maintenance windows and status pages as a file.</p>
      <div class="pill-row">
        {admin && (
          <span class="field-checkbox">
            <input
              id="export-secrets"
              type="checkbox"
              checked={secrets}
              onChange={(e) => setSecrets(e.currentTarget.checked)}
            />
            <label for="export-secrets">Include secrets (a backup; keep it safe)</label>
          </span>
        )}
        <button type="button" class="button-primary" disabled={busy} onClick={run}>
          {busy ? 'Exporting…' : 'Export YAML'}
        </button>
        {text !== undefined && (
          <button type="button" onClick={() => download('tocsin.yaml', text)}>
            Download tocsin.yaml
          </button>
        )}
      </div>
      {error !== undefined && <ErrorState error={error} onRetry={run} />}
      {text !== undefined && (
        <pre class="yaml-output" data-testid="config-export">
          {text}
        </pre>
      )}
    </>
  );
}

function ChangeList({ changes }: { changes: ConfigChange[] }) {
  return (
    <ul class="diff-list">
      {changes.map((c) => (
        <li key={`${c.action}:${c.resource}:${c.name}`} data-testid={`change-${c.resource}-${c.name}`}>
          <span class={`badge badge-${c.action === 'create' ? 'good' : c.action === 'delete' ? 'bad' : 'warn'}`}>
            {c.action === 'create' ? '+ create' : c.action === 'delete' ? '− delete' : '~ update'}
          </span>{' '}
          {c.resource} <strong>{c.name}</strong>
          {c.fields && c.fields.length > 0 && <span class="muted"> ({c.fields.join(', ')})</span>}
          {c.children && c.children.length > 0 && <ChangeList changes={c.children} />}
        </li>
      ))}
    </ul>
  );
}

type Plan = { text: string; prune: boolean; changes: ConfigChange[] };

/** Sends the YAML as is: the server reads it with the CLI's loader, so problems name their line. */
const applyYaml = (text: string, options: { dryRun: boolean; prune: boolean }) =>
  api.post<{ changes: ConfigChange[] }>(`/api/config/apply?dryRun=${options.dryRun}&prune=${options.prune}`, text, {
    headers: { 'content-type': 'application/yaml' },
  });

/** The server's issues in line order, `line N: path: message` (a message starts with its `line N:`). */
function problemsOf(err: unknown): string[] {
  const issues = err instanceof ApiError && Array.isArray(err.details.issues) ? err.details.issues : [];
  const lines = (issues as { path?: string; message?: string; line?: number }[])
    .filter((i) => typeof i?.message === 'string')
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map((i) => {
      const m = /^line (\d+): (.*)$/s.exec(i.message as string);
      const where = i.path ? `${i.path}: ` : '';
      return m ? `line ${m[1]}: ${where}${m[2]}` : `${where}${i.message}`;
    });
  return lines.length ? lines : [errorMessage(err)];
}

function Import() {
  const [text, setText] = useState('');
  const [prune, setPrune] = useState(false);
  const [plan, setPlan] = useState<Plan | undefined>();
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState<'plan' | 'apply' | undefined>();
  const edit = (t: string) => {
    setText(t);
    setPlan(undefined);
    setProblems([]);
  };
  const dryRun = async () => {
    setBusy('plan');
    setProblems([]);
    setPlan(undefined);
    try {
      const res = await applyYaml(text, { dryRun: true, prune });
      setPlan({ text, prune, changes: res.changes });
    } catch (err) {
      setProblems(problemsOf(err));
    } finally {
      setBusy(undefined);
    }
  };
  const apply = async () => {
    if (!plan) return;
    setBusy('apply');
    try {
      const res = await applyYaml(plan.text, { dryRun: false, prune: plan.prune });
      toast(`Applied ${res.changes.length} change${res.changes.length === 1 ? '' : 's'}.`);
      setPlan(undefined);
    } catch (err) {
      setProblems(problemsOf(err));
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <>
      <div class="field">
        <label for="config-yaml">Config YAML</label>
        <textarea
          id="config-yaml"
          class="yaml-input"
          rows={14}
          spellcheck={false}
          value={text}
          aria-invalid={problems.length ? 'true' : undefined}
          aria-describedby={problems.length ? 'config-problems' : undefined}
          onInput={(e) => edit(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="config-file">Or upload a file</label>
        <input
          id="config-file"
          type="file"
          accept=".yaml,.yml,application/yaml,text/yaml,text/plain"
          onChange={async (e) => {
            const f = e.currentTarget.files?.[0];
            if (f) edit(await f.text());
          }}
        />
      </div>
      <div class="field field-checkbox">
        <input
          id="config-prune"
          type="checkbox"
          checked={prune}
          onChange={(e) => {
            setPrune(e.currentTarget.checked);
            setPlan(undefined);
          }}
        />
        <label for="config-prune">Prune: delete what the file's sections leave out</label>
      </div>
      {problems.length > 0 && (
        <div class="form-error" role="alert" id="config-problems">
          <p>The server refuses the file:</p>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <div class="form-actions">
        <button type="button" class="button-primary" disabled={!text.trim() || busy !== undefined} onClick={dryRun}>
          {busy === 'plan' ? 'Planning…' : 'Dry run'}
        </button>
        {plan && (
          <button
            type="button"
            class="button-danger"
            disabled={plan.changes.length === 0 || busy !== undefined}
            onClick={apply}
          >
            {busy === 'apply'
              ? 'Applying…'
              : `Apply ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}`}
          </button>
        )}
      </div>
      {busy === 'plan' && <LoadingState label="Planning…" />}
      {plan && (
        <section aria-label="Planned changes" data-testid="config-plan">
          {plan.changes.length === 0 ? (
            <p>No changes: the server already matches the file.</p>
          ) : (
            <ChangeList changes={plan.changes} />
          )}
        </section>
      )}
    </>
  );
}

/** `/config`: export the state as YAML (download), import YAML with a dry run's diff before Apply. */
export function ConfigPage() {
  const state = useStore(auth);
  const writer = canWrite(state);
  return (
    <Page title="Config" description="Config as code: the same documents as tocsin apply and tocsin export.">
      <Section title="Export">
        <Export admin={isAdmin(state)} />
      </Section>
      <Section title="Import">
        {writer ? <Import /> : <p class="notice">Your role (viewer) may export but not apply config.</p>}
      </Section>
    </Page>
  );
}
