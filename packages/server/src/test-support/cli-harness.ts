import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTocsin, type Tocsin } from '../app.js';
import type { ModuleFactory } from '../app-module.js';
import { silentLogger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';
import { startHttpServer } from '../http/http-server.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const CLI_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the run (of the whole process, start-up included, when spawned). */
  ms: number;
}

/** The environment of a CLI run: PATH and HOME, then `env`, where `undefined` removes a variable. */
function cliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.tmpdir(),
    ...env,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** A stream end that keeps what is written, as text. */
function collector(): { write(chunk: string | Uint8Array): boolean; text(): string } {
  const chunks: Buffer[] = [];
  return {
    write: (chunk) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
      return true;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/**
 * Runs `tocsin ARGS` in this process (no start-up cost), with its own
 * streams, environment and directory; `undefined` in env removes a variable.
 */
export async function runTocsin(
  args: string[],
  env: Record<string, string | undefined>,
  cwd = repoRoot,
): Promise<CliRun> {
  const { runCli } = await import('../cli/cli-runner.js');
  const stdout = collector();
  const stderr = collector();
  const started = Date.now();
  const code = await runCli(args, { stdout, stderr, env: cliEnv(env), cwd });
  return { code, stdout: stdout.text(), stderr: stderr.text(), ms: Date.now() - started };
}

/** Runs `tocsin ARGS` as its own process, from source in `cwd`: for what only a whole process shows. */
export function spawnTocsin(args: string[], env: Record<string, string | undefined>, cwd = repoRoot): Promise<CliRun> {
  const started = Date.now();
  const proc = spawn(
    process.execPath,
    ['-C', 'source', '--import', 'tsx', path.join(repoRoot, 'packages/server/src/cli/main.ts'), ...args],
    {
      cwd,
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c) => (stdout += c));
  proc.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) =>
    proc.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started })),
  );
}

/** A Tocsin on SQLite in a temporary directory, served on 127.0.0.1, with its workers running. */
export async function startCliServer(
  options: {
    extraModules?: ModuleFactory[];
    /** Sees every request the app answers, with its answer (what the CLI asked for). */
    observe?: (request: Request, response: Response) => void;
  } = {},
): Promise<{
  url: string;
  tocsin: Tocsin;
  dir: string;
  cli(args: string[], env?: Record<string, string | undefined>): Promise<CliRun>;
  close(): Promise<void>;
}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-cli-'));
  const settings = loadSettings({ 'data-dir': dir, port: '0', 'admin-token': CLI_ADMIN_TOKEN }, {}, dir);
  const tocsin = await createTocsin(settings, { logger: silentLogger, extraModules: options.extraModules });
  // As `tocsin start` serves: ping URLs in answers take the port chosen.
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    fetch: async (request) => {
      const response = await tocsin.http.fetch(request);
      options.observe?.(request, response);
      return response;
    },
    fastPath: tocsin.fastPath,
    publicUrl: tocsin.publicUrl,
  });
  const url = `http://127.0.0.1:${server.port}`;
  tocsin.start();
  return {
    url,
    tocsin,
    dir,
    cli: (args, env = {}) => runTocsin(args, { TOCSIN_URL: url, TOCSIN_TOKEN: CLI_ADMIN_TOKEN, ...env }),
    async close() {
      await server.close();
      await tocsin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A server on 127.0.0.1 that accepts connections and never answers (a hung server). */
export async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
