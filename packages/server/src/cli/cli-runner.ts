/**
 * Runs one `tocsin` command line with the IO it is given and resolves with
 * the exit status: `main.ts` gives it the process's streams and environment,
 * tests give it buffers. Failures print one line (file, line and field where
 * there is one).
 */
import { TocsinError } from '../core/errors.js';
import { version } from '../core/version.js';
import { withCliIo, type CliIo } from './cli-io.js';
import { commands } from './command-registry.js';
import { UsageError } from './command.js';

export type { CliIo } from './cli-io.js';

const usage = `usage: tocsin <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run "tocsin <command> --help" for the options of a command; "tocsin --version" prints the version.`;

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  // `npx tocsin -- export` and `npm run tocsin -- export` may pass the separator on.
  const [name, ...rest] = argv[0] === '--' ? argv.slice(1) : argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`tocsin ${version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`tocsin: unknown command '${name}'\n${usage}\n`);
    return 2;
  }
  return command.run(rest);
}

/** Runs `tocsin ARGV`; never rejects: an error is printed and becomes status 1 (2 for a usage error). */
export function runCli(argv: string[], io: CliIo): Promise<number> {
  return withCliIo(io, async () => {
    try {
      return await dispatch(argv, io);
    } catch (err) {
      const message =
        err instanceof TocsinError || (err as NodeJS.ErrnoException)?.code
          ? (err as Error).message
          : String((err as Error)?.stack ?? err);
      io.stderr.write(`tocsin: ${message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
  });
}
