import http from 'node:http';
import https from 'node:https';
import { parseRetryAfter } from '../../core/backoff.js';
import type { SendOutcome } from './channel.js';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agentOptions = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 };
const httpAgent = new http.Agent(agentOptions);
const httpsAgent = new https.Agent(agentOptions);
const MAX_BODY = 64 * 1024;

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/**
 * Sends one HTTP request over a keep-alive agent. Resolves with the response
 * (its body cut at 64 KiB) or rejects with a network or timeout error.
 */
export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const lib = url.protocol === 'https:' ? https : http;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  return new Promise((resolve, reject) => {
    const r = lib.request(
      url,
      {
        method: req.method ?? 'POST',
        agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
        headers: {
          'user-agent': 'Tocsin',
          ...(body ? { 'content-length': String(body.length) } : {}),
          ...req.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => r.destroy(new Error(`timeout after ${req.timeoutMs} ms`)), req.timeoutMs);
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.end(body);
  });
}

function describeNetworkError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return e.message || String(err);
  }
}

/**
 * Classifies an HTTP answer the way every HTTP channel does: 2xx delivered;
 * 408, 429 and 5xx retried (honouring Retry-After); other statuses dead.
 * `describe` turns a failed response into the error text kept on the delivery.
 */
export async function sendHttp(
  req: HttpRequest,
  describe: (res: HttpResponse) => string = (res) => `status ${res.status}${res.body ? `: ${res.body.slice(0, 300)}` : ''}`,
): Promise<SendOutcome> {
  let res: HttpResponse;
  try {
    res = await httpRequest(req);
  } catch (err) {
    return { ok: false, retryable: true, error: describeNetworkError(err) };
  }
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
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

/** Closes idle keep-alive sockets (at shutdown). */
export function closeHttpAgents(): void {
  httpAgent.destroy();
  httpsAgent.destroy();
}
