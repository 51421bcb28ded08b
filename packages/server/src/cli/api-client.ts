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
  /** A body sent as it is (NDJSON) with its own headers; failures and answers as the others'. */
  send<T = unknown>(method: string, path: string, body: string, headers: Record<string, string>): Promise<T>;
  /** A GET whose answer is read as it comes (an event stream); a failure status is thrown as the others'. */
  stream(path: string, signal: AbortSignal): Promise<Response>;
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
  429: 'rate_limited',
  503: 'unavailable',
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
  async function request(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response> {
    if (!token)
      throw new TocsinError(
        'unauthorized',
        'no API token: set --token or TOCSIN_TOKEN (the admin token is printed at the first start)',
      );
    let res: Response;
    try {
      res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...init.headers },
        body: init.body,
        signal: init.signal ?? AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw unreachable(url, err, timeoutMs);
    }
    if (!res.ok) await failure(method, path, res);
    return res;
  }
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
    return answer<T>(await request(method, path, { body: json, headers }));
  }
  async function answer<T>(res: Response): Promise<T> {
    const text = await res.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      return undefined as T;
    }
  }
  async function failure(method: string, path: string, res: Response): Promise<never> {
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const error = (json as ErrorBody | null | undefined)?.error;
    const message = error?.message ?? (text.slice(0, 200) || res.statusText);
    const retryAfter = Number(res.headers.get('retry-after'));
    const details =
      error?.details ?? (Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : undefined);
    throw new TocsinError(
      error?.code ?? statusCodes[res.status] ?? 'internal',
      `${method} ${path}: ${res.status} ${message}`,
      details,
    );
  }
  return {
    url,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    put: (p, b) => call('PUT', p, b ?? {}),
    delete: (p) => call('DELETE', p),
    send: async (method, path, body, headers) => answer(await request(method, path, { body, headers })),
    stream: (path, signal) => request('GET', path, { signal, headers: { accept: 'text/event-stream' } }),
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
