/**
 * The probes' target: bench/notify's bare receiver (200 "ok" to anything)
 * in its own process, and its own request rate as the baseline.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

export interface TargetProcess {
  port: number;
  pid: number;
  stop(): void;
}

/** Forks a bench process (`script`, under `root`) that sends `{ port }` once it listens; resolves with both. */
export async function forkListening(root: string, script: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(root, script), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('target not ready in 30 s')), 30_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    child.once('exit', (code) => reject(new Error(`target exited (${code}) before it was ready`)));
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return { child, port };
}

export async function startTarget(root: string): Promise<TargetProcess> {
  const { child, port } = await forkListening(root, 'bench/notify/receiver-process.ts');
  return { port, pid: child.pid!, stop: () => child.kill() };
}

/**
 * GETs a second the target answers, `concurrency` at a time for `seconds`:
 * over keep-alive connections, or (keepAlive false) one fresh connection per
 * request, as the HTTP probe does.
 */
export async function bareRate(
  port: number,
  opts: { concurrency: number; seconds: number; keepAlive: boolean },
): Promise<number> {
  const agent = opts.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: opts.concurrency }) : false;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/bare', agent, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve());
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('bare request timed out')));
      req.on('error', reject);
    });
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (performance.now() < end) {
          await one();
          done++;
        }
      }),
    );
  } finally {
    if (agent) agent.destroy();
  }
  return done / ((performance.now() - start) / 1000);
}
