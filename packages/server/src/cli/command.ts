import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TocsinError } from '../core/errors.js';

export interface Command {
  summary: string;
  /** Returns the exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** A mistake in the command line (unknown flag, missing or bad value); `tocsin` exits with status 2. */
export class UsageError extends TocsinError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'UsageError';
  }
}

/**
 * Parses a sub-command's flags; an unknown flag is a one-line error. `--help`
 * prints the usage and returns undefined.
 */
export function parseFlags(
  argv: string[],
  options: Options,
  usage: string,
  allowPositionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage.trimEnd() + '\n');
    return undefined;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
}
