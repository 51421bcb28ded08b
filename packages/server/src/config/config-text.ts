/**
 * Config documents as YAML text over the API, the same text the CLI reads and prints: a YAML body of
 * POST /api/config/apply is read with the CLI's loader (so problems name their line), and
 * GET /api/config/export?format=yaml prints what `tocsin export` prints.
 *
 * `${VAR}` references are not resolved from the server's environment: that would let anyone who may apply
 * config read the server's secrets into a webhook URL. A reference with a default (`${VAR:-x}`) takes the
 * default; one without is a 400 that says to apply the file with `tocsin apply`, which resolves it.
 */
import type { FieldIssue } from '@tocsin/protocol';
import { stringify } from 'yaml';
import { TocsinError } from '../core/errors.js';
import { jsonValueIssues } from '../http/request-guard.js';
import type { ApplyRequest, ApplyResult, ConfigApplyService } from './config-apply-service.js';
import { type ConfigIssue, loadConfigText } from './config-loader.js';

/** The Content-Types a YAML document may be sent with. */
export const YAML_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml'] as const;

export function isYamlType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return (YAML_TYPES as readonly string[]).includes(type);
}

const exportHeader = `# Exported by tocsin export. Secrets are printed as the \${VAR} reference they
# were applied from, or as <redacted>; applying <redacted> keeps the stored value.
`;

const backupHeader = `# Exported by tocsin export --include-secrets: this file holds every secret in
# clear text. It restores into an empty server with tocsin apply -f FILE.
`;

/** The text of `tocsin export` (with `includeSecrets`, the backup's header). */
export function exportText(config: Record<string, unknown>, includeSecrets: boolean): string {
  return (includeSecrets ? backupHeader : exportHeader) + stringify(config, { lineWidth: 0 });
}

const UNSET_REF = /^the environment variable (\w+) is (not set|empty)/;

/** A loader issue as an API field issue whose message starts with its line. */
function lineIssue(i: { line: number; path: string; message: string }): FieldIssue & { line: number } {
  const unset = UNSET_REF.exec(i.message);
  const message = unset
    ? `\${${unset[1]}} is not resolved here: the API does not read the server's environment; ` +
      `apply the file with tocsin apply (which resolves it from its own environment), or write \${${unset[1]}:-value}`
    : i.message;
  return { path: i.path, line: i.line, message: `line ${i.line}: ${message}` };
}

function refused(issues: (FieldIssue & { line: number })[]): TocsinError {
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new TocsinError('validation_failed', message, { issues });
}

/**
 * Applies a YAML document: the loader's problems, and the apply's own (a topic that does not exist, a
 * redacted secret with nothing stored), come back as 400 issues that name their line.
 */
export async function applyYaml(
  config: ConfigApplyService,
  text: string,
  options: Pick<ApplyRequest, 'dryRun' | 'prune'>,
): Promise<ApplyResult> {
  const loaded = loadConfigText(text, 'body', {});
  if (!loaded.ok) throw refused(loaded.issues.map((i: ConfigIssue) => lineIssue(i)));
  const located = (list: FieldIssue[]) => list.map((i) => lineIssue({ ...i, line: loaded.locate(i.path) }));
  const bad = jsonValueIssues(loaded.config);
  if (bad.length) throw refused(located(bad));
  try {
    return await config.apply({ config: loaded.config, refs: loaded.refs, ...options });
  } catch (err) {
    const issues = (err as TocsinError).details as { issues?: FieldIssue[] } | undefined;
    if (err instanceof TocsinError && err.code === 'validation_failed' && issues?.issues?.length)
      throw refused(located(issues.issues));
    throw err;
  }
}
