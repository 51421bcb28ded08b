import { formatIssues, loadConfigFile } from '../config/config-loader.js';
import { planOffline } from './validate-offline.js';
import { parseFlags, UsageError, type Command } from './command.js';
import { cliIo } from './cli-io.js';

const usage = `usage: tocsin validate -f FILE

Checks a config file without a server: its YAML, every field, \${VAR}
references (from the environment, as apply resolves them), and the checks
the server makes on apply (unique names, references between resources), run
by the server's own code on an empty database in a temporary directory.
Prints each problem as FILE:LINE: field: message and exits 1 if there is one.
A reference to a topic the file does not declare is reported, since an empty
server has none; "tocsin apply -f FILE --dry-run" checks against a server.`;

export const validateCommand: Command = {
  summary: 'check a config file offline (no server), printing FILE:LINE errors',
  async run(argv) {
    const parsed = parseFlags(argv, { file: { type: 'string', short: 'f' } }, usage, true);
    if (!parsed) return 0;
    const file = (parsed.values.file as string | undefined) ?? parsed.positionals[0];
    if (!file) throw new UsageError('validate: give the file with -f FILE');
    if (parsed.positionals.length > (parsed.values.file ? 0 : 1))
      throw new UsageError(`validate: one file only ('${parsed.positionals.at(-1)}' is extra)`);
    const loaded = loadConfigFile(file, cliIo().env, cliIo().cwd);
    const issues = loaded.ok ? await planOffline(file, loaded.config, loaded.refs, loaded.locate) : loaded.issues;
    if (issues.length) {
      cliIo().stderr.write(`${formatIssues(issues)}\n`);
      return 1;
    }
    const counts = Object.entries(loaded.ok ? loaded.config : {})
      .filter(([, v]) => Array.isArray(v))
      .map(([k, v]) =>
        (v as unknown[]).length === 1 ? `1 ${k.replace(/s$/, '')}` : `${(v as unknown[]).length} ${k}`,
      );
    cliIo().stdout.write(`${file}: valid${counts.length ? ` (${counts.join(', ')})` : ''}\n`);
    return 0;
  },
};
