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
/**
 * The `tocsin` binary's own IO, set once by main.ts. Its runs do not go through the AsyncLocalStorage: on
 * Node 20 a first `run()` turns on async hooks for the whole process, and `tocsin start` would then pay for
 * them on every promise of the server.
 */
let processIo: CliIo | undefined;

/** Makes `io` the IO of every command this process runs outside an in-process `runCli` (the binary). */
export function setProcessCliIo(io: CliIo): void {
  processIo = io;
}

/** Runs `fn` with `io` as the IO of every command it calls. */
export function withCliIo<T>(io: CliIo, fn: () => Promise<T>): Promise<T> {
  return io === processIo ? fn() : current.run(io, fn);
}

/** The IO of the CLI run in progress; a command called outside `runCli` is a bug. */
export function cliIo(): CliIo {
  const io = current.getStore() ?? processIo;
  if (!io) throw new Error('a CLI command ran outside runCli');
  return io;
}
