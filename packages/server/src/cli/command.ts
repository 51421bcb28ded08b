import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TocsinError } from '../core/errors.js';
import { cliIo } from './cli-io.js';

export interface Command {
  summary: string;
  /** Returns the exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** A mistake in the command line (unknown flag, missing or bad value); `tocsin` exits with status 2. */
export class UsageError extends TocsinError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'UsageError';
  }
}

const isHelp = (a: string) => a === '--help' || a === '-h';

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
  if (argv.some(isHelp)) {
    cliIo().stdout.write(`${usage.trimEnd()}\n`);
    return undefined;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
}

/** The flags every client command takes. */
export const clientFlags = { url: { type: 'string' as const }, token: { type: 'string' as const } };

/** One verb of a noun command (`tocsin monitors pause NAME`). */
export interface Action {
  /** Positional arguments after the verb, as shown in the usage (`NAME`, `TOPIC/SUB`); all required. */
  args?: string[];
  /** Positional arguments that may follow `args`, in order (`GROUP`, `FILE`); shown as `[GROUP]`. */
  optional?: string[];
  /** Flags after the verb, as shown in the usage (`[--json]`). */
  synopsis?: string;
  options?: Options;
  /** Lines printed under the usage of `tocsin NOUN VERB --help`. */
  help?: string;
  /** Takes any number of words after the arguments (`tocsin command run ... -- CMD ARGS`). */
  rest?: boolean;
  run(values: FlagValues, args: string[]): Promise<number>;
}

/**
 * A command made of verbs (`tocsin monitors list|show|pause|resume`). The
 * noun alone runs `defaultAction`; `--help` after the noun or a verb prints
 * that usage; every verb takes --url and --token.
 */
export function nounCommand(
  noun: string,
  summary: string,
  actions: Record<string, Action>,
  defaultAction?: string,
  help = '',
): Command {
  const line = (verb: string, a: Action) =>
    `tocsin ${noun} ${verb}${(a.args ?? []).map((x) => ` ${x}`).join('')}` +
    `${(a.optional ?? []).map((x) => ` [${x}]`).join('')}${a.synopsis ? ` ${a.synopsis}` : ''}`;
  const common = 'Every form also takes --url URL and --token TOKEN.';
  const usage = () => {
    const forms = Object.entries(actions)
      .map(([verb, a]) => line(verb, a))
      .join('\n       ');
    const alone = defaultAction ? `"tocsin ${noun}" alone runs "tocsin ${noun} ${defaultAction}".\n` : '';
    return `usage: ${forms}\n\n${help ? `${help.trimEnd()}\n` : ''}${alone}${common}`;
  };
  return {
    summary,
    async run(argv) {
      const first = argv[0];
      const verb =
        first !== undefined && !first.startsWith('-') ? first : argv.some(isHelp) ? undefined : defaultAction;
      if (verb === undefined) {
        if (argv.some(isHelp)) {
          cliIo().stdout.write(`${usage()}\n`);
          return 0;
        }
        throw new UsageError(`${noun}: give an action: ${Object.keys(actions).join(', ')} (see --help)`);
      }
      const action = actions[verb];
      if (!action)
        throw new UsageError(`${noun}: unknown action '${verb}': use ${Object.keys(actions).join(', ')} (see --help)`);
      const rest = first === verb ? argv.slice(1) : argv;
      const verbUsage = `usage: ${line(verb, action)}\n\n${action.help ? `${action.help.trimEnd()}\n` : ''}${common}`;
      const parsed = parseFlags(rest, { ...action.options, ...clientFlags }, verbUsage, true);
      if (!parsed) return 0;
      const want = action.args ?? [];
      if (parsed.positionals.length < want.length)
        throw new UsageError(`${noun} ${verb}: give the ${want[parsed.positionals.length]} (see --help)`);
      const most = want.length + (action.optional?.length ?? 0);
      if (!action.rest && parsed.positionals.length > most)
        throw new UsageError(`${noun} ${verb}: unexpected argument '${parsed.positionals[most]}' (see --help)`);
      return action.run(parsed.values, parsed.positionals);
    },
  };
}

/** `key=value` flags (given more than once) as a record; `flag` names the flag in errors. */
export function keyValues(list: unknown, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of (list as string[] | undefined) ?? []) {
    const eq = a.indexOf('=');
    if (eq < 1) throw new UsageError(`--${flag} '${a}' is not key=value`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

/** Prints `value` as indented JSON when `--json` was given; returns whether it did. */
export function printJson(values: FlagValues, value: unknown): boolean {
  if (!values.json) return false;
  cliIo().stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return true;
}
