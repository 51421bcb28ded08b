/**
 * The ping endpoints, answering as Healthchecks.io does (hc/api/views.py):
 * 200 "OK", 201 "Created" (a slug URL with ?create=1 made the heartbeat),
 * 404 "not found", 400 "invalid url format" / "invalid uuid format"; and,
 * unlike Healthchecks, 429 "rate limited" with Retry-After. Any method; the
 * request body (up to the limit, announced as Ping-Body-Limit; more is cut
 * and marked) is kept with the ping. The UUID or ping key is the only
 * credential, and it can do nothing but ping.
 *
 * One handler serves two doors: a Hono route (the app, in-process tests)
 * and a bare node:http listener the server puts in front of Hono, since
 * pings are the hottest path and need no Request/Response objects (measured
 * by bench/pings). Each answer builds its own headers: a shared headers
 * object was once given to Hono, whose node adapter wrote its
 * Content-Length into it, and every later fast-path answer carried it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { RateLimiter } from '../core/rate-limiter.js';
import type { App } from '../http/route-kit.js';
import type { HeartbeatRegistry } from './heartbeat-registry.js';
import type { HeartbeatService } from './heartbeat-service.js';
import { pingBodyText } from './ping-body.js';
import { isUuid, parsePingPath } from './ping-request.js';
import type { PingWriter } from './ping-writer.js';

export interface PingOptions {
  /** Bytes of a ping's body kept (default 100 kB), announced as Ping-Body-Limit. */
  bodyLimit: number;
  /** Pings a second one heartbeat may send (with a burst of twice that). */
  perSecond: number;
}

export interface PingHttpRequest {
  method: string;
  /** The path after /ping/, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  body: Buffer | null;
  userAgent: string | null;
  remoteAddr: string | null;
}

export interface PingAnswer {
  status: number;
  text: string;
  headers?: Record<string, string>;
}

export type PingHandler = (req: PingHttpRequest) => Promise<PingAnswer>;

export function createPingHandler(deps: {
  registry: HeartbeatRegistry;
  heartbeats: HeartbeatService;
  writer: PingWriter;
  clock: Clock;
  options: PingOptions;
}): PingHandler {
  const { registry, heartbeats, writer, clock, options } = deps;
  const limiter = new RateLimiter();
  const accepted = { 'ping-body-limit': String(options.bodyLimit) };
  return async (req) => {
    const parsed = parsePingPath(req.path);
    if (!parsed.ok) return parsed;
    const { ping } = parsed;
    const keyOk = ping.target.pingKey !== undefined && ping.target.pingKey === heartbeats.key();
    let entry = ping.target.uuid
      ? registry.uuid(ping.target.uuid)
      : keyOk
        ? registry.slug(ping.target.slug!)
        : undefined;
    let created = false;
    if (!entry && keyOk && req.query.get('create') === '1') {
      // Auto-provisioned as Healthchecks does: a daily period with an hour of grace.
      await heartbeats.create(
        heartbeats.parse({ name: ping.target.slug, slug: ping.target.slug, period: '1d', grace: '1h' }),
      );
      entry = registry.slug(ping.target.slug!);
      created = true;
    }
    if (!entry) return { status: 404, text: 'not found' };
    if (ping.exitStatus !== null && ping.exitStatus > 255) return { status: 400, text: 'invalid url format' };
    const rid = req.query.get('rid');
    if (rid !== null && !isUuid(rid)) return { status: 400, text: 'invalid uuid format' };
    const waitMs = limiter.take(entry.row.id, options.perSecond, clock.now(), options.perSecond * 2);
    if (waitMs > 0)
      return {
        status: 429,
        text: 'rate limited',
        headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      };
    const body = pingBodyText(req.body, options.bodyLimit);
    await writer.submit({
      type: 'ping',
      heartbeatId: entry.row.id,
      kind: ping.kind,
      exitStatus: ping.exitStatus,
      rid: rid?.toLowerCase() ?? null,
      method: req.method,
      remoteAddr: req.remoteAddr,
      userAgent: req.userAgent?.slice(0, 200) ?? null,
      ...body,
    });
    return created
      ? { status: 201, text: 'Created', headers: accepted }
      : { status: 200, text: 'OK', headers: accepted };
  };
}

/** A fresh set of headers for one answer (never shared: an adapter may write into it). */
function answerHeaders(answer: PingAnswer): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(answer.text)),
    'access-control-allow-origin': '*',
    'cache-control': 'max-age=0, no-cache, no-store, must-revalidate, private',
    ...answer.headers,
  };
}

/** Runs the handler; a failure is logged with its stack and answered 500. */
async function answerPing(handler: PingHandler, logger: Logger, req: PingHttpRequest): Promise<PingAnswer> {
  try {
    return await handler(req);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    logger.error('ping failed', { method: req.method, path: `/ping/${req.path}`, err: e });
    return { status: 500, text: 'internal error' };
  }
}

/** The Hono door. */
export function registerPingRoutes(app: App, handler: PingHandler, logger: Logger): void {
  app.all('/ping/*', async (c) => {
    const url = new URL(c.req.url);
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    const method = c.req.method;
    const body = method === 'GET' || method === 'HEAD' ? null : Buffer.from(await c.req.arrayBuffer());
    const path = url.pathname === '/ping' ? '' : url.pathname.slice('/ping/'.length);
    const r = await answerPing(handler, logger, {
      method,
      path,
      query: url.searchParams,
      body,
      userAgent: c.req.header('user-agent') ?? null,
      remoteAddr: forwarded ?? null,
    });
    return new Response(method === 'HEAD' ? null : r.text, { status: r.status, headers: answerHeaders(r) });
  });
}

const MAX_READ = 1024 * 1024;

/** The node:http door: answers /ping and /ping/… requests itself; returns false for anything else. */
export function pingListener(
  handler: PingHandler,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith('/ping') || (url.length > 5 && url[5] !== '/' && url[5] !== '?')) return false;
    const method = req.method ?? 'GET';
    const q = url.indexOf('?');
    const path = (q < 0 ? url : url.slice(0, q)).slice('/ping/'.length);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_READ) chunks.push(c);
    });
    req.on('end', () => {
      const forwarded = (req.headers['x-forwarded-for'] as string | undefined)?.split(',')[0]?.trim();
      const body = chunks.length ? Buffer.concat(chunks) : null;
      answerPing(handler, logger, {
        method,
        path,
        query,
        body,
        userAgent: req.headers['user-agent'] ?? null,
        remoteAddr: forwarded ?? req.socket.remoteAddress ?? null,
      })
        .then((r) => {
          res.writeHead(r.status, answerHeaders(r));
          res.end(method === 'HEAD' ? undefined : r.text);
        })
        .catch((err: unknown) => logger.error('writing a ping answer failed', { path: url, err }));
    });
    return true;
  };
}
