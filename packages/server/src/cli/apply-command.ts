import { TocsinError } from '../core/errors.js';
import { formatIssues, issuesFromApi, loadConfigFile } from '../config/config-loader.js';
import type { ConfigChange } from '../config/config-section.js';
import { clientFlags, createApiClient } from './api-client.js';
import { parseFlags, type Command } from './command.js';
import { cliIo } from './cli-io.js';

const usage = `usage: tocsin apply -f FILE [--dry-run] [--prune] [--url URL] [--token TOKEN]

Prints what applying FILE changes (+ create, ~ update, - delete) and applies it.
  --dry-run   only print the plan
  --prune     also delete what the file leaves out (in the sections it has)`;

const mark = { create: '+', update: '~', delete: '-' } as const;

/** The plan as a diff, one line a change, children indented. */
export function formatPlan(changes: readonly ConfigChange[], indent = ''): string[] {
  return changes.flatMap((c) => [
    `${indent}${mark[c.action]} ${c.resource} ${c.name}${c.fields?.length ? ` (${c.fields.join(', ')})` : ''}`,
    ...formatPlan(c.children ?? [], `${indent}  `),
  ]);
}

function summary(changes: readonly ConfigChange[]): string {
  if (changes.length === 0) return 'no changes';
  const n = (a: ConfigChange['action']) => changes.filter((c) => c.action === a).length;
  return `${n('create')} to create, ${n('update')} to update, ${n('delete')} to delete`;
}

export const applyCommand: Command = {
  summary: 'apply a config file (prints the diff first)',
  async run(argv) {
    const parsed = parseFlags(
      argv,
      {
        file: { type: 'string', short: 'f' },
        'dry-run': { type: 'boolean' },
        prune: { type: 'boolean' },
        ...clientFlags,
      },
      usage,
    );
    if (!parsed) return 0;
    const file = parsed.values.file as string | undefined;
    if (!file) {
      cliIo().stderr.write('tocsin apply: give the file with -f FILE\n');
      return 2;
    }
    const loaded = loadConfigFile(file, cliIo().env, cliIo().cwd);
    if (!loaded.ok) {
      cliIo().stderr.write(`${formatIssues(loaded.issues)}\n`);
      return 1;
    }
    const api = createApiClient(parsed.values);
    const dryRun = parsed.values['dry-run'] === true;
    let result: { changes: ConfigChange[]; applied: boolean };
    try {
      result = await api.post('/api/config/apply', {
        config: loaded.config,
        refs: loaded.refs,
        dryRun,
        prune: parsed.values.prune === true,
      });
    } catch (err) {
      const issues = err instanceof TocsinError ? issuesFromApi(err.details, file, loaded.locate) : [];
      if (issues.length) {
        cliIo().stderr.write(`${formatIssues(issues)}\n`);
        return 1;
      }
      throw err;
    }
    const lines = formatPlan(result.changes);
    if (lines.length) cliIo().stdout.write(`${lines.join('\n')}\n`);
    cliIo().stdout.write(`${summary(result.changes)}${dryRun ? ' (dry run: nothing was applied)' : ''}\n`);
    return 0;
  },
};
