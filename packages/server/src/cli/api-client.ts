import { TocsinError } from '../core/errors.js';
import { clientSettings } from '../config/settings.js';
import { UsageError } from './command.js';
import type { ErrorCode } from '@tocsin/protocol';
import { cliIo } from './cli-io.js';

export interface ApiClient {
  url: string;
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  put<T = unknown>(path: string, body?: unknown): Promise<T>;
  delete<T = unknown>(path: string): Promise<T>;
}

/** The API's error envelope (`{ error: { code, message, details } }`), as far as the CLI reads it. */
interface ErrorBody {
  error?: { code?: ErrorCode; message?: string; details?: unknown };
}

const statusCodes: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
};

function unreachable(url: string, err: unknown, timeoutMs: number): TocsinError {
  if ((err as Error).name === 'TimeoutError')
    return new TocsinError('unavailable', `the Tocsin server at ${url} did not answer within ${timeoutMs / 1000} s`);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  const hint = 'is it running? set --url or TOCSIN_URL';
  return new TocsinError(
    'unavailable',
    why === 'ECONNREFUSED'
      ? `cannot reach the Tocsin server at ${url} (${hint})`
      : `cannot reach the Tocsin server at ${url}: ${why} (${hint})`,
  );
}

/**
 * The CLI's HTTP client. Failures become one-line TocsinErrors
 * (`POST /api/config/apply: 400 …`) that keep the API's `details`.
 */
export function createApiClient(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = cliIo().env,
  options: { timeoutMs?: number } = {},
): ApiClient {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const { url, token } = clientSettings(flags as Record<string, string | undefined>, env);
  if (!/^https?:\/\/[^/]/i.test(url))
    throw new UsageError(`--url (or TOCSIN_URL) '${url}' is not an http:// or https:// URL`);
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!token)
      throw new TocsinError(
        'unauthorized',
        'no API token: set --token or TOCSIN_TOKEN (the admin token is printed at the first start)',
      );
    let res: Response;
    try {
      res = await fetch(url + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw unreachable(url, err, timeoutMs);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const error = (json as ErrorBody | null | undefined)?.error;
      const message = error?.message ?? (text.slice(0, 200) || res.statusText);
      throw new TocsinError(
        error?.code ?? statusCodes[res.status] ?? 'internal',
        `${method} ${path}: ${res.status} ${message}`,
        error?.details,
      );
    }
    return json as T;
  }
  return {
    url,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    put: (p, b) => call('PUT', p, b ?? {}),
    delete: (p) => call('DELETE', p),
  };
}

export { clientFlags } from './command.js';

/** Prints rows as aligned columns under a header. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
