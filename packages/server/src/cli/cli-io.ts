/**
 * The IO of one CLI run: the streams a command writes to, the environment it
 * reads and the directory it resolves paths in. `runCli` sets it for the run,
 * so several runs can share one process (the tests run the CLI in-process).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a command may write to: a process stream, or a buffer in a test. */
export interface CliOutput {
  write(chunk: string | Uint8Array): unknown;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** The environment the command reads (never `process.env` directly). */
  env: NodeJS.ProcessEnv;
  /** The working directory relative paths are resolved in. */
  cwd: string;
  /** Standard input of the jobs `tocsin run` starts; the process's own when absent. */
  stdin?: NodeJS.ReadableStream;
}

const current = new AsyncLocalStorage<CliIo>();

/** Runs `fn` with `io` as the IO of every command it calls. */
export function withCliIo<T>(io: CliIo, fn: () => Promise<T>): Promise<T> {
  return current.run(io, fn);
}

/** The IO of the CLI run in progress; a command called outside `runCli` is a bug. */
export function cliIo(): CliIo {
  const io = current.getStore();
  if (!io) throw new Error('a CLI command ran outside runCli');
  return io;
}
