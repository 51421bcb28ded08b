import { Page, Section } from '../components/page.js';
import { navigate, useLocation } from '../core/router.js';
import { auth, isAdmin } from '../core/session-store.js';
import { useStore } from '../core/store.js';
import { useResource } from '../core/use-resource.js';
import { loadRuns } from './command-api.js';
import { RunsTable, usePollWhile } from './command-parts.js';
import { CommandRunForm } from './command-run-form.js';
import '../styles/fleet.css';

const isFleet = (type: string) => type === 'command' || type === 'agent';

/**
 * `/commands`: the audit of command runs, newest first (refreshed while one is in progress), and for an admin the
 * Run command form (`?run=1` opens it, so that the back button closes it).
 */
export function CommandsPage() {
  const admin = isAdmin(useStore(auth));
  const { search } = useLocation();
  const open = admin && search.get('run') === '1';
  const agent = search.get('agent');
  const res = useResource('command-runs', (signal) => loadRuns(signal, { limit: 200 }), {
    refetchOn: (c) => isFleet(c.type),
  });
  const runs = res.data ?? [];
  usePollWhile(
    runs.some((r) => r.status === 'InProgress'),
    res.reload,
  );
  return (
    <Page
      title="Commands"
      description="Commands run on agents by tag or id, each checked against the number of hosts expected to run it."
      actions={
        admin && (
          <button
            type="button"
            class={open ? undefined : 'button-primary'}
            aria-expanded={open}
            aria-controls="run-command"
            onClick={() => navigate(open ? '/commands' : '/commands?run=1', { replace: true })}
          >
            {open ? 'Close the form' : 'Run command'}
          </button>
        )
      }
      loading={res.loading && !res.data}
      error={res.data ? undefined : res.error}
      onRetry={res.reload}
    >
      {open && (
        <div id="run-command">
          <Section title="Run a command">
            <CommandRunForm initialAgents={agent ? [agent] : undefined} />
          </Section>
        </div>
      )}
      <Section title="Runs">
        <RunsTable runs={runs} caption="Command runs, newest first" />
      </Section>
    </Page>
  );
}
