import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportText } from '../config/config-text.js';
import { clientFlags, createApiClient } from './api-client.js';
import { parseFlags, type Command } from './command.js';
import { cliIo } from './cli-io.js';

const usage = `usage: tocsin export [-o FILE] [--include-secrets] [--url URL] [--token TOKEN]

Prints the server's state as a config file that applies back with no changes.
  --include-secrets   print secrets in clear text: a backup that restores into an
                      empty server (needs an admin token; keep the file as safe as
                      the database)`;

export const exportCommand: Command = {
  summary: 'print the current state as a config file',
  async run(argv) {
    const parsed = parseFlags(
      argv,
      { output: { type: 'string', short: 'o' }, 'include-secrets': { type: 'boolean' }, ...clientFlags },
      usage,
    );
    if (!parsed) return 0;
    const includeSecrets = parsed.values['include-secrets'] === true;
    const { config } = await createApiClient(parsed.values).get<{ config: Record<string, unknown> }>(
      `/api/config/export${includeSecrets ? '?includeSecrets=true' : ''}`,
    );
    const text = exportText(config, includeSecrets);
    if (parsed.values.output) {
      const output = path.resolve(cliIo().cwd, String(parsed.values.output));
      writeFileSync(output, text, includeSecrets ? { mode: 0o600 } : {});
      if (includeSecrets) chmodSync(output, 0o600);
    } else cliIo().stdout.write(text);
    if (includeSecrets) {
      const where = parsed.values.output ? `; ${parsed.values.output} is readable by its owner only` : '';
      cliIo().stderr.write(
        `tocsin export: the output holds secrets in clear text (admin only)${where}: keep it as safe as the database\n`,
      );
    }
    return 0;
  },
};
