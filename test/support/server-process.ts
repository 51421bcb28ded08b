import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliMain = path.join(repoRoot, 'packages/server/src/cli/main.ts');

/** Node's arguments that run a TypeScript entry from source, from any directory. */
export const tsxArgs = ['-C', 'source', '--import', import.meta.resolve('tsx')];

/**
 * Node's arguments that run the `tocsin` CLI: the sources bundled once by scripts/run-tests.mjs (the same
 * code, loaded in half the time and CPU of tsx, which matters for the many servers these tests start), or
 * the sources through tsx when a file runs by itself.
 */
export const cliArgs = process.env.TOCSIN_TEST_CLI_BUNDLE
  ? [process.env.TOCSIN_TEST_CLI_BUNDLE]
  : [...tsxArgs, cliMain];

let cwd: string | undefined;
/**
 * An empty directory that the CLI runs in. Not the repository: `tocsin start`
 * applies a `./tocsin.yaml` it finds, and the user's own must not be read by tests.
 */
export function neutralCwd(): string {
  if (!cwd) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-cwd-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    cwd = dir;
  }
  return cwd;
}

/** The environment of a CLI child: tsx is told where the repository's tsconfig is, as it runs elsewhere. */
export function childEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    TSX_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.json'),
    ...env,
  };
}

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/** Starts `tocsin start` as a child process on a free port and waits until it listens. */
export async function startServer(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const args = env.TOCSIN_PORT ? [] : ['--port', '0'];
  const proc = spawn(process.execPath, [...cliArgs, 'start', ...args], {
    cwd: neutralCwd(),
    env: childEnv({ TOCSIN_LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = () => {
      const m = /Tocsin is running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  }).catch(async (err: Error) => {
    // A server that did not start in time is not left running: the test file could never end.
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    throw err;
  });
  return {
    url,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Runs the `tocsin` CLI in this process (no start-up cost; the server it talks
 * to is a real process), in an empty directory unless `cwd` is given, with
 * `input` as the standard input of a job that `tocsin run` starts.
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
  cwd = neutralCwd(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { runCli: run } = await import('../../packages/server/src/cli/cli-runner.js');
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const sink = (into: Buffer[]) => ({
    write: (c: string | Uint8Array) => {
      into.push(Buffer.from(c));
      return true;
    },
  });
  const code = await run(args, {
    stdout: sink(out.stdout),
    stderr: sink(out.stderr),
    env: childEnv(env),
    cwd,
    stdin: Readable.from(input ? [input] : []),
  });
  return {
    code,
    stdout: Buffer.concat(out.stdout).toString('utf8'),
    stderr: Buffer.concat(out.stderr).toString('utf8'),
  };
}

/** Runs the `tocsin` CLI as its own process, as a user does: for what only a whole process shows. */
export async function spawnCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
  cwd = neutralCwd(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [...cliArgs, ...args], {
    cwd,
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c) => (stdout += c));
  proc.stderr.on('data', (c) => (stderr += c));
  proc.stdin.end(input ?? '');
  const code = await new Promise<number>((resolve) => proc.once('exit', (c) => resolve(c ?? 1)));
  return { code, stdout, stderr };
}

export async function api(
  url: string,
  token: string,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const res = await fetch(url + pathname, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as import('node:net').AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
