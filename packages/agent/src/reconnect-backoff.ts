/**
 * Delays between connection attempts: exponential from 1 s to a 60 s cap with full jitter (a random delay
 * between 0 and the exponential), so that agents cut off together by a server restart do not come back together.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
}

export function reconnectDelay(attempt: number, o: BackoffOptions = {}): number {
  const base = o.baseMs ?? 1000;
  const max = o.maxMs ?? 60_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round((o.random ?? Math.random)() * ceiling);
}
