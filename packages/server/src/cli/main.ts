#!/usr/bin/env node
/**
 * The `tocsin` command. Each sub-command lives in its own file; failures
 * print one line (file, line and field where there is one) and exit non-zero.
 */
import { TocsinError } from '../core/errors.js';
import { version } from '../core/version.js';
import { commands } from './command-registry.js';
import { UsageError } from './command.js';

const usage = `usage: tocsin <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run "tocsin <command> --help" for the options of a command; "tocsin --version" prints the version.`;

async function main(argv: string[]): Promise<number> {
  // `npx tocsin -- export` and `npm run tocsin -- export` may pass the separator on.
  const [name, ...rest] = argv[0] === '--' ? argv.slice(1) : argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`tocsin ${version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`tocsin: unknown command '${name}'\n${usage}\n`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof TocsinError || (err as NodeJS.ErrnoException)?.code ? (err as Error).message : String((err as Error)?.stack ?? err);
    process.stderr.write(`tocsin: ${message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
