/**
 * HTTP(S) probe on node:http/node:https, one fresh connection per check so
 * that every phase (DNS, connect, TLS, first byte) is measured from socket
 * events. One timer bounds the whole check, redirects and body included.
 * Everything derived from the spec alone (status ranges, headers, regex,
 * JSON path) is prepared once per spec object.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import { parseStatusRange, type HttpProbeSpec } from '../monitor-probes.js';
import {
  daysLeft,
  describeExpiry,
  describeSocketError,
  describeTimeout,
  ms,
  type Probe,
  type ProbeContext,
  type ProbeResult,
  type ProbeTimings,
} from './probe.js';

/** Bodies are read up to this; the rest is cut, not an error. */
export const MAX_BODY_BYTES = 1_048_576;

const USER_AGENT = 'Tocsin-uptime/0.1';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface Plan {
  url: URL;
  /** Flat [lo, hi, lo, hi, …]. */
  ranges: number[];
  expected: string;
  headers: http.OutgoingHttpHeaders;
  /** Sent when a redirect leaves the origin: no credentials. */
  crossOriginHeaders: http.OutgoingHttpHeaders;
  body?: Buffer;
  regex?: RegExp;
  path?: Array<string | number>;
  needBody: boolean;
}

interface Hop {
  status: number;
  location?: string;
  body?: Buffer;
  cut: boolean;
  certExpiresAt?: number;
}

/** What one check has measured so far, across redirects. */
interface CheckState {
  req?: http.ClientRequest;
  ended: boolean;
  timings: Omit<ProbeTimings, 'totalMs'>;
}

const plans = new WeakMap<HttpProbeSpec, Plan>();
const regexes = new Map<string, RegExp>();

function regexFor(source: string): RegExp {
  let re = regexes.get(source);
  if (!re) {
    if (regexes.size >= 1000) regexes.clear();
    re = new RegExp(source);
    regexes.set(source, re);
  }
  return re;
}

function planFor(spec: HttpProbeSpec): Plan {
  let plan = plans.get(spec);
  if (plan) return plan;
  const ranges: number[] = [];
  const shown: string[] = [];
  for (const s of spec.expectedStatus) {
    const r = parseStatusRange(s);
    if (!r) continue;
    ranges.push(r[0], r[1]);
    shown.push(r[0] === r[1] ? String(r[0]) : `${r[0]}–${r[1]}`);
  }
  const headers: http.OutgoingHttpHeaders = { 'user-agent': USER_AGENT };
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
  if (spec.auth?.type === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${spec.auth.username}:${spec.auth.password}`).toString('base64')}`;
  if (spec.auth?.type === 'bearer') headers.authorization = `Bearer ${spec.auth.token}`;
  const crossOriginHeaders = { ...headers };
  delete crossOriginHeaders.authorization;
  delete crossOriginHeaders.cookie;
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  if (body) headers['content-length'] = body.length;
  plan = {
    url: new URL(spec.url),
    ranges,
    expected: shown.join(', '),
    headers,
    crossOriginHeaders,
    body,
    regex: spec.bodyMatches === undefined ? undefined : regexFor(spec.bodyMatches),
    path: spec.jsonPath === undefined ? undefined : parseJsonPath(spec.jsonPath),
    needBody: spec.bodyContains !== undefined || spec.bodyMatches !== undefined || spec.jsonPath !== undefined,
  };
  plans.set(spec, plan);
  return plan;
}

/** `$.data.items[0].status` → ['data', 'items', 0, 'status']. */
export function parseJsonPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/\.([A-Za-z0-9_$-]+)|\[(\d+)\]/g)) out.push(m[1] ?? Number(m[2]));
  return out;
}

function atPath(value: unknown, path: Array<string | number>): unknown {
  let v = value;
  for (const key of path) {
    if (typeof key === 'number') v = Array.isArray(v) && key < v.length ? v[key] : undefined;
    else
      v =
        v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, key)
          ? (v as Record<string, unknown>)[key]
          : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/** Where one exchange is: the end of its last phase, and the certificate seen. */
interface HopMark {
  at: number;
  certExpiresAt?: number;
}

function lap(t: CheckState['timings'], key: 'dnsMs' | 'connectMs' | 'tlsMs' | 'firstByteMs', mark: HopMark): void {
  const now = performance.now();
  t[key] = (t[key] ?? 0) + now - mark.at;
  mark.at = now;
}

function watchSocket(socket: Socket, t: CheckState['timings'], mark: HopMark, secure: boolean): void {
  socket.once('lookup', () => lap(t, 'dnsMs', mark));
  socket.once('connect', () => lap(t, 'connectMs', mark));
  if (!secure) return;
  socket.once('secureConnect', () => {
    lap(t, 'tlsMs', mark);
    const validTo = Date.parse((socket as TLSSocket).getPeerCertificate().valid_to ?? '');
    if (Number.isFinite(validTo)) mark.certExpiresAt = validTo;
  });
}

/** Reads the answer to its end, keeping at most MAX_BODY_BYTES (only when `keep`). */
function readBody(
  res: http.IncomingMessage,
  keep: boolean,
  done: (body: Buffer | undefined, cut: boolean) => void,
  fail: (err: Error) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (cut: boolean) => {
    finished = true;
    done(keep ? Buffer.concat(chunks, size) : undefined, cut);
  };
  res.on('data', (chunk: Buffer) => {
    if (finished) return;
    if (size + chunk.length > MAX_BODY_BYTES) {
      if (keep) chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
      size = MAX_BODY_BYTES;
      finish(true);
      res.destroy();
      return;
    }
    if (keep) chunks.push(chunk);
    size += chunk.length;
  });
  res.once('end', () => finish(false));
  res.on('error', fail);
  res.once('close', () => {
    if (!finished)
      fail(Object.assign(new Error('connection closed before the whole answer arrived'), { code: 'ECONNRESET' }));
  });
}

function exchange(
  state: CheckState,
  spec: HttpProbeSpec,
  url: URL,
  method: string,
  headers: http.OutgoingHttpHeaders,
  body: Buffer | undefined,
  needBody: boolean,
): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const mark: HopMark = { at: performance.now() };
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const options: https.RequestOptions = {
      hostname: host,
      port: url.port || undefined,
      path: url.pathname + url.search,
      method,
      headers,
      agent: false,
    };
    if (secure) options.rejectUnauthorized = spec.verifyTls;
    const req = (secure ? https : http).request(options);
    state.req = req;
    req.on('error', reject);
    req.once('socket', (socket) => watchSocket(socket, state.timings, mark, secure));
    req.once('response', (res) => {
      lap(state.timings, 'firstByteMs', mark);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (spec.followRedirects && REDIRECTS.has(status) && location) {
        res.destroy();
        resolve({ status, location, cut: false, certExpiresAt: mark.certExpiresAt });
        return;
      }
      readBody(
        res,
        needBody,
        (data, cut) => resolve({ status, cut, certExpiresAt: mark.certExpiresAt, body: data }),
        reject,
      );
    });
    req.end(body);
  });
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function statusOk(ranges: number[], status: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (status >= ranges[i] && status <= ranges[i + 1]) return true;
  return false;
}

/** The first assertion the final answer fails, or undefined when all hold. */
function failedAssertion(spec: HttpProbeSpec, plan: Plan, hop: Hop, totalMs: number): string | undefined {
  if (!statusOk(plan.ranges, hop.status)) return `status ${hop.status}, expected ${plan.expected}`;
  if (hop.body) {
    const cutNote = hop.cut ? ' (in the first 1 MiB)' : '';
    const text = hop.body.toString('utf8');
    if (spec.bodyContains !== undefined && !text.includes(spec.bodyContains))
      return `body does not contain '${truncate(spec.bodyContains)}'${cutNote}`;
    if (plan.regex && !plan.regex.test(text)) return `body does not match /${truncate(plan.regex.source)}/${cutNote}`;
    if (plan.path) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return hop.cut ? 'body is longer than 1 MiB, too long to read as JSON' : 'body is not JSON';
      }
      const value = atPath(json, plan.path);
      if (value === undefined) return `JSON ${spec.jsonPath} is missing`;
      if (spec.jsonEquals !== undefined && !isDeepStrictEqual(value, spec.jsonEquals)) {
        return (
          `JSON ${spec.jsonPath} is ${truncate(JSON.stringify(value))}, ` +
          `expected ${truncate(JSON.stringify(spec.jsonEquals))}`
        );
      }
    }
  }
  if (spec.maxResponseTimeMs !== undefined && totalMs > spec.maxResponseTimeMs) {
    return `response took ${Math.round(totalMs)} ms, more than ${spec.maxResponseTimeMs} ms`;
  }
  return undefined;
}

/** Follows redirects until the final answer; throws what the last exchange threw. */
async function follow(state: CheckState, spec: HttpProbeSpec, plan: Plan): Promise<Hop | string> {
  let url = plan.url;
  let method: string = spec.method;
  let body = plan.body;
  let headers = plan.headers;
  for (let redirects = 0; ; redirects++) {
    const hop = await exchange(state, spec, url, method, headers, body, plan.needBody);
    if (hop.location === undefined || state.ended) return hop;
    if (redirects >= spec.maxRedirects)
      return `more than ${spec.maxRedirects} redirects (stopped before ${truncate(hop.location)})`;
    let next: URL;
    try {
      next = new URL(hop.location, url);
    } catch {
      return `redirect to an invalid URL: ${truncate(hop.location)}`;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      return `redirect to a URL that is not http or https: ${truncate(hop.location)}`;
    if (
      (hop.status === 303 && method !== 'HEAD') ||
      ((hop.status === 301 || hop.status === 302) && method === 'POST')
    ) {
      method = 'GET';
      body = undefined;
      headers = { ...headers };
      delete headers['content-length'];
    }
    if (next.origin !== plan.url.origin) {
      headers = { ...plan.crossOriginHeaders, ...(body ? { 'content-length': body.length } : {}) };
    }
    url = next;
  }
}

function timingsOf(state: CheckState, totalMs: number): ProbeTimings {
  const t = state.timings;
  const out: ProbeTimings = { totalMs: ms(totalMs) };
  if (t.dnsMs !== undefined) out.dnsMs = ms(t.dnsMs);
  if (t.connectMs !== undefined) out.connectMs = ms(t.connectMs);
  if (t.tlsMs !== undefined) out.tlsMs = ms(t.tlsMs);
  if (t.firstByteMs !== undefined) out.firstByteMs = ms(t.firstByteMs);
  return out;
}

async function runHttp(spec: HttpProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const started = performance.now();
  const plan = planFor(spec);
  const state: CheckState = { ended: false, timings: {} };
  let why: 'timeout' | 'cancelled' | undefined;
  let halt!: (err: Error) => void;
  // Settles the check even if a destroyed request were never to report back.
  const halted = new Promise<never>((_, reject) => (halt = reject));
  const stop = (reason: 'timeout' | 'cancelled') => {
    if (state.ended) return;
    why = reason;
    state.ended = true;
    const err = new Error(reason);
    state.req?.destroy(err);
    halt(err);
  };
  if (ctx.signal?.aborted) return { up: false, reason: 'check cancelled', timings: { totalMs: 0 } };
  const timer = setTimeout(stop, ctx.timeoutMs, 'timeout');
  const onAbort = () => stop('cancelled');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  let outcome: Hop | string;
  try {
    outcome = await Promise.race([follow(state, spec, plan), halted]);
  } catch (err) {
    outcome = describeSocketError(err, plan.url.hostname);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  const totalMs = performance.now() - started;
  const timings = timingsOf(state, totalMs);
  if (why)
    return { up: false, reason: why === 'timeout' ? describeTimeout(ctx.timeoutMs) : 'check cancelled', timings };
  state.ended = true;
  if (typeof outcome === 'string') return { up: false, reason: outcome, timings };
  const result: ProbeResult = { up: true, reason: '', timings, statusCode: outcome.status };
  if (outcome.certExpiresAt !== undefined) {
    const now = Date.now();
    result.certExpiresAt = outcome.certExpiresAt;
    if (spec.certExpiryWarningDays > 0 && daysLeft(outcome.certExpiresAt, now) < spec.certExpiryWarningDays)
      result.warning = describeExpiry(outcome.certExpiresAt, now);
  }
  const failed = failedAssertion(spec, plan, outcome, totalMs);
  result.up = failed === undefined;
  result.reason = failed ?? `status ${outcome.status} in ${Math.round(totalMs)} ms`;
  return result;
}

export const httpProbe: Probe<HttpProbeSpec> = { type: 'http', run: runHttp };
