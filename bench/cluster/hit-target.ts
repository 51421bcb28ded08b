/**
 * The parent's side of hit-target-process.ts: forks it, waits for its port, and asks it questions over IPC (one
 * answer a question, matched by id). States: starting → running → stopped (killed, or exited on its own).
 */
import { forkListening } from '../checks/target-process.js';

export interface HitReport {
  /** When the log started (Date.now() ms). */
  at: number;
  /** Index i: the last hit of `/t/i` before the mark (0 for none). */
  lastBefore: number[];
  /** Hits since the mark in order: index, time, index, time, … */
  log: number[];
  /** Requests answered since the last reset, any path. */
  hits: number;
}

export interface HitTarget {
  port: number;
  pid: number;
  /** Forgets every hit; the monitors' paths are `/t/1` … `/t/n`. */
  reset(n: number): Promise<void>;
  /** Starts logging every hit; resolves with the time it started. */
  mark(): Promise<number>;
  /** How many paths have had no hit at or after `since` (Date.now() ms). */
  notHitSince(since: number): Promise<number>;
  report(): Promise<HitReport>;
  stop(): void;
}

export async function startHitTarget(root: string): Promise<HitTarget> {
  const { child, port } = await forkListening(root, 'bench/cluster/hit-target-process.ts');
  let next = 1;
  const waiting = new Map<number, (m: Record<string, unknown>) => void>();
  child.on('message', (m: { id?: number }) => {
    if (m.id === undefined) return;
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const ask = <T>(message: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error('the target has exited'));
        return;
      }
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the target did not answer '${String(message.type)}' in 30 s`));
      }, 30_000);
      waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m as T);
      });
      child.send({ id, ...message });
    });
  return {
    port,
    pid: child.pid!,
    reset: async (n) => {
      await ask({ type: 'reset', n });
    },
    mark: async () => (await ask<{ at: number }>({ type: 'mark' })).at,
    notHitSince: async (since) => (await ask<{ notHitSince: number }>({ type: 'stale', since })).notHitSince,
    report: () => ask<HitReport>({ type: 'report' }),
    stop: () => {
      child.kill();
    },
  };
}
