import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { clientFlags, createApiClient } from './api-client.js';
import { parseFlags, type Command } from './command.js';

const usage = `usage: tocsin export [-o FILE] [--url URL] [--token TOKEN]

Prints the server's state as a config file that applies back with no changes.`;

const header = `# Exported by tocsin export. Secrets are printed as the \${VAR} reference they
# were applied from, or as <redacted>; applying <redacted> keeps the stored value.
`;

export const exportCommand: Command = {
  summary: 'print the current state as a config file',
  async run(argv) {
    const parsed = parseFlags(argv, { output: { type: 'string', short: 'o' }, ...clientFlags }, usage);
    if (!parsed) return 0;
    const { config } = await createApiClient(parsed.values).get<{ config: Record<string, unknown> }>('/api/config/export');
    const text = header + stringify(config, { lineWidth: 0 });
    if (parsed.values.output) writeFileSync(String(parsed.values.output), text);
    else process.stdout.write(text);
    return 0;
  },
};
