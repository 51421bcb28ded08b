/**
 * A Tocsin server from the build, in its own process, for one bench size.
 * States: starting → running (readiness line seen) → stopping (SIGTERM
 * sent) → exited; SIGKILL after 30 s of stopping, or if it never gets ready.
 * Its stderr passes through to ours, and the last lines are kept for the
 * report.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './proc-stats.js';

const READY_MS = 30_000;
const STOP_MS = 30_000;
const READY_LINE = /Tocsin is running at (http:\/\/[^\s]+:\d+)/;

export interface ServerProcess {
  pid: number;
  /** `http://HOST:PORT` from the readiness line. */
  base: string;
  /** null while it runs. */
  exitCode(): number | string | null;
  stderrTail(): string[];
  /** SIGTERM, then SIGKILL if it has not exited within 30 s; says how it ended. */
  stop(): Promise<{ code: number | string; killed: boolean; seconds: number }>;
}

/** `env`: more settings (a database URL, a node id), over the defaults here. */
export async function startServer(
  root: string,
  dataDir: string,
  token: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'packages/server/dist/cli/main.js'), 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      TOCSIN_DATA_DIR: dataDir,
      TOCSIN_HOST: '127.0.0.1',
      TOCSIN_PORT: String(port),
      TOCSIN_ADMIN_TOKEN: token,
      TOCSIN_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) tail.push(l);
    if (tail.length > 20) tail.splice(0, tail.length - 20);
  });
  let ended: number | string | null = null;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = code ?? signal ?? 'unknown';
      resolve(ended);
    }),
  );
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in ${READY_MS / 1000} s`)), READY_MS);
    // Stdout keeps flowing after the readiness line so that the pipe never fills.
    child.stdout.on('data', (chunk: Buffer) => {
      if (out.length < 10_000) out += chunk.toString('utf8');
      const m = READY_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready:\n${[...tail, partial].join('\n')}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    pid: child.pid!,
    base,
    exitCode: () => ended,
    stderrTail: () => (partial ? [...tail, partial] : [...tail]),
    async stop() {
      const t0 = performance.now();
      if (ended !== null) return { code: ended, killed: false, seconds: 0 };
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_MS))),
      ]);
      clearTimeout(timer);
      if (late) child.kill('SIGKILL');
      const code = await exited;
      return { code, killed: late, seconds: (performance.now() - t0) / 1000 };
    },
  };
}
