/**
 * Outbound HTTP for the HTTP channels (slack, webhook, datadog, pagerduty), on undici.
 *
 * The shared agent has two states: none → open (the first request creates it:
 * keep-alive, at most 64 connections per origin) → none (`closeHttpAgents()`
 * closes it at shutdown; a later request opens a fresh one). Redirects are not
 * followed, as with node:http before: a 3xx is an answer like any other.
 */
import { Agent, request } from 'undici';
import { parseRetryAfter } from '../../core/backoff.js';
import { ORIGIN_HEADER } from '../../logs/log-pipeline.js';
import type { SendOutcome } from './channel.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The answer's first 64 KiB, as UTF-8. */
  body: string;
}

/** An answer's body as a JSON object (a vendor's error), or undefined when it is not one. */
export function jsonObjectOf<T extends object = Record<string, unknown>>(body: string): T | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as T) : undefined;
  } catch {
    return undefined;
  }
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * This instance's id, sent as `x-tocsin-origin` (ORIGIN_HEADER in logs/log-pipeline.ts): a Tocsin that gets it
   * back on its log ingest drops the lines as a loop. It wins over a subscription's own header of that name.
   */
  origin?: string;
  /** One deadline for the whole attempt: connect, request, headers and body. */
  timeoutMs: number;
}

const MAX_BODY = 64 * 1024;
const CONNECTIONS_PER_ORIGIN = 64;

/** Framing and hop-by-hop headers: the sender owns them, so a subscription's own headers may not set them. */
const DROPPED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'host',
]);

let agent: Agent | undefined;

function sharedAgent(): Agent {
  // undici's own phase timers (connect 10 s, headers and body 300 s) are off: the attempt's one deadline governs.
  agent ??= new Agent({ connections: CONNECTIONS_PER_ORIGIN, connectTimeout: 0, headersTimeout: 0, bodyTimeout: 0 });
  return agent;
}

/** The headers to send: names lower-cased (a later duplicate wins, as with node:http), framing ones dropped. */
export function outboundHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'Tocsin' };
  for (const [name, value] of Object.entries(extra)) {
    const key = name.toLowerCase();
    if (!DROPPED_HEADERS.has(key)) headers[key] = value;
  }
  return headers;
}

class DeadlineError extends Error {
  constructor(timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
  }
}

/** Reads at most 64 KiB of a body, then stops: leaving the loop early destroys the stream (and its socket). */
async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > MAX_BODY) {
      chunks.push(chunk.subarray(0, MAX_BODY - size));
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends one HTTP request over the shared keep-alive agent. Resolves with the
 * response (its body cut at 64 KiB) or rejects with a network or timeout error.
 */
export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DeadlineError(req.timeoutMs)), req.timeoutMs);
  try {
    const res = await request(req.url, {
      dispatcher: sharedAgent(),
      method: (req.method ?? 'POST') as 'POST',
      headers: req.origin
        ? { ...outboundHeaders(req.headers), [ORIGIN_HEADER]: req.origin }
        : outboundHeaders(req.headers),
      body: req.body,
      signal: deadline.signal,
    });
    return { status: res.statusCode, headers: res.headers, body: await readCapped(res.body) };
  } catch (err) {
    // Whatever undici reports once the deadline has passed (an abort, a destroyed body), it is the timeout.
    throw deadline.signal.aborted ? new DeadlineError(req.timeoutMs) : err;
  } finally {
    clearTimeout(timer);
  }
}

function describeNetworkError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    default:
      return e.message || String(err);
  }
}

/**
 * Classifies an HTTP answer the way every HTTP channel does: 2xx delivered;
 * 408, 429 and 5xx retried (honouring Retry-After); other statuses dead.
 * `describe` turns a failed response into the error text kept on the delivery;
 * `refusedIn2xx`, for vendors that answer 200 with a failure in the body, names that failure (a final one).
 */
export async function sendHttp(
  req: HttpRequest,
  describe: (res: HttpResponse) => string = (res) =>
    `status ${res.status}${res.body ? `: ${res.body.slice(0, 300)}` : ''}`,
  refusedIn2xx?: (res: HttpResponse) => string | undefined,
): Promise<SendOutcome> {
  let res: HttpResponse;
  try {
    res = await httpRequest(req);
  } catch (err) {
    return { ok: false, retryable: true, error: describeNetworkError(err) };
  }
  if (res.status >= 200 && res.status < 300) {
    const refused = refusedIn2xx?.(res);
    return refused
      ? { ok: false, retryable: false, status: res.status, error: refused }
      : { ok: true, status: res.status };
  }
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  const retryAfter = res.headers['retry-after'];
  return {
    ok: false,
    retryable,
    status: res.status,
    error: describe(res),
    retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now()),
  };
}

/** Closes the shared agent and its keep-alive sockets (at shutdown); the next request opens a new agent. */
export async function closeHttpAgents(): Promise<void> {
  const closing = agent;
  agent = undefined;
  await closing?.close();
}
