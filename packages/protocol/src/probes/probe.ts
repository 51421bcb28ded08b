/**
 * One probe per type (http, tcp, dns, tls here; object in the server) behind
 * this interface; the registries (`network-probes.ts`, the server's
 * `probe-registry.ts`) dispatch on `type`. A probe never throws: every
 * outcome, failures included, is a ProbeResult.
 */

/** Durations in milliseconds; a phase a check did not go through is absent. */
export interface ProbeTimings {
  /** Resolving the host name. */
  dnsMs?: number;
  /** The TCP handshake, after the name was resolved. */
  connectMs?: number;
  /** The TLS handshake, after TCP connected. */
  tlsMs?: number;
  /** From the end of the connection set-up to the first byte of the answer. */
  firstByteMs?: number;
  /** The whole check, redirects and body included. */
  totalMs: number;
}

export interface ProbeResult {
  up: boolean;
  /** What a person can act on: "status 503, expected 200–299", or for up "status 200 in 12 ms". */
  reason: string;
  timings: ProbeTimings;
  statusCode?: number;
  /** When the peer's certificate expires, epoch ms. */
  certExpiresAt?: number;
  /** Something to look at while still up, such as a certificate close to expiry. */
  warning?: string;
}

export interface ProbeContext {
  /** The whole check must end within this. */
  timeoutMs: number;
  /** Aborting ends the check at once with a down result. */
  signal?: AbortSignal;
  /** The clock's time at the start of the check (ages are measured from it); the system's when absent. */
  now?: number;
  /** For a monitor on a cron schedule: the cron time this check is for (dated names are filled for it). */
  slotAt?: number;
}

export interface Probe<S extends { type: string }> {
  readonly type: S['type'];
  run(spec: S, ctx: ProbeContext): Promise<ProbeResult>;
}

const DAY_MS = 86_400_000;

/** Whole days from `now` to `expiresAt`, rounded down (negative once expired). */
export function daysLeft(expiresAt: number, now: number): number {
  return Math.floor((expiresAt - now) / DAY_MS);
}

/** "certificate expires in 6 days", "certificate expired 3 days ago". */
export function describeExpiry(expiresAt: number, now: number): string {
  if (expiresAt <= now) {
    const ago = Math.floor((now - expiresAt) / DAY_MS);
    return ago === 0 ? 'certificate expired less than a day ago' : `certificate expired ${plural(ago, 'day')} ago`;
  }
  const left = daysLeft(expiresAt, now);
  return left === 0 ? 'certificate expires in less than a day' : `certificate expires in ${plural(left, 'day')}`;
}

export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "timeout after 10 s", "timeout after 300 ms". */
export function describeTimeout(timeoutMs: number): string {
  return timeoutMs >= 1000
    ? `timeout after ${+(timeoutMs / 1000).toFixed(1)} s`
    : `timeout after ${Math.round(timeoutMs)} ms`;
}

const socketErrors: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  HPE_INVALID_CONSTANT: 'the answer is not HTTP',
  HPE_INVALID_STATUS: 'the answer has an invalid HTTP status line',
};

/** A person's reason for a failed connection, TLS handshake or HTTP exchange. */
export function describeSocketError(err: unknown, host: string): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (code === 'ENOTFOUND') return `host not found: ${(e as { hostname?: string }).hostname ?? host}`;
  if (socketErrors[code]) return socketErrors[code];
  if (code.startsWith('ERR_TLS_') || /CERT|SELF_SIGNED|UNABLE_TO|SIGNATURE/.test(code))
    return `TLS certificate not trusted: ${e.message}`;
  if (code.startsWith('ERR_SSL_') || /SSL|TLS/.test(e?.message ?? '')) {
    const why = (e as { reason?: string }).reason ?? e.message.trim();
    return code === 'ERR_SSL_WRONG_VERSION_NUMBER'
      ? `TLS handshake failed: ${why} (does this port speak TLS?)`
      : `TLS handshake failed: ${why}`;
  }
  const message = e?.message ?? String(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** Milliseconds rounded to a tenth, for timings. */
export function ms(value: number): number {
  return Math.round(value * 10) / 10;
}
