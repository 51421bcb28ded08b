/**
 * Time is injected everywhere: services ask a Clock, never Date.now(), so
 * scheduler, outbox and state-machine tests run on a fake clock.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface Clock {
  now(): number;
  /** Resolves after `ms` of this clock's time; a fake clock resolves when advanced. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { at: this.current + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, waking every sleeper whose time has come. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /**
   * Moves time forward by `ms`, stopping at each sleeper's due time on the
   * way and letting what it woke settle (one turn of the event loop), so a
   * loop that sleeps again is woken again at its next due time: one call in
   * place of many `advance` steps. Ends at the target time.
   */
  async elapse(ms: number, settle: () => Promise<unknown> = () => nextTurn()): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let steps = 0; ; steps++) {
      const next = this.sleepers.reduce((min, s) => Math.min(min, s.at), Infinity);
      if (next > target) break;
      // A loop that keeps sleeping 0 ms would never let time pass; that is a bug in the loop.
      if (steps >= 100_000)
        throw new Error(
          `FakeClock.elapse: still waking sleepers at ${new Date(this.current).toISOString()} after ${steps} steps`,
        );
      this.set(Math.max(next, this.current));
      await settle();
    }
    this.set(target);
    await settle();
  }

  set(time: number): void {
    this.current = time;
    const due = this.sleepers.filter((s) => s.at <= time);
    this.sleepers = this.sleepers.filter((s) => s.at > time);
    for (const s of due) s.resolve();
  }
}
