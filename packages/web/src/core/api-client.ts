/**
 * The API client: same-origin fetch with the session cookie, the session's CSRF token on every write, JSON in
 * and out. An error answer (`{error: {code, message, details}}`) becomes an ApiError whose `fields` hold the
 * server's `details.issues` by path, for the form beside the fields.
 */
import type { ErrorCode, FieldIssue } from '@tocsin/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network',
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The server's field issues, by dotted path (`url`, `tags.env`); the first message of each path. */
  get fields(): Record<string, string> {
    const issues = Array.isArray(this.details.issues) ? (this.details.issues as FieldIssue[]) : [];
    const out: Record<string, string> = {};
    for (const i of issues) if (typeof i?.path === 'string' && !(i.path in out)) out[i.path] = String(i.message);
    return out;
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** The token GET /api/session gave; sent as X-CSRF-Token on every request that is not a GET. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a request other than the session's own answers 401 (the session expired). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

function toApiError(status: number, body: unknown, fallback: string): ApiError {
  const error = (body as { error?: { code?: ErrorCode; message?: string; details?: unknown } } | null)?.error;
  if (error && typeof error.message === 'string') {
    const details =
      error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : {};
    return new ApiError(status, error.code ?? 'internal', error.message, details);
  }
  return new ApiError(status, status >= 500 ? 'internal' : 'bad_request', fallback);
}

export interface RequestOptions {
  /** Text instead of JSON (YAML, for config). */
  text?: boolean;
  /** The 401 of this request is expected (the session's own requests): no redirect to the login page. */
  quiet401?: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] ??= typeof body === 'string' ? 'text/plain' : 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server does not answer; check that Tocsin is running.');
  }
  if (res.status === 204) return undefined as T;
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  const data: unknown = isJson ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401) onUnauthorized?.();
    throw toApiError(res.status, data, `${method} ${path}: ${res.status} ${res.statusText}`);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body ?? {}, opts),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, body ?? {}, opts),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body ?? {}, opts),
  del: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('DELETE', path, body, opts),
};

/** What to show for an error: its message, or a generic line. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
