export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  factor: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1000, maxMs: 5 * 60_000, factor: 2 };

/**
 * Delay before retry number `attempt` (1 = first retry): exponential with
 * "equal jitter" (half fixed, half random), so a burst of failures spreads
 * out but a delay never collapses to zero. A server's Retry-After wins when
 * it asks for longer.
 */
export function retryDelay(
  attempt: number,
  policy: BackoffPolicy = defaultBackoff,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** Reads a Retry-After header: seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), 86400) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.min(date - nowMs, 86400_000));
}
