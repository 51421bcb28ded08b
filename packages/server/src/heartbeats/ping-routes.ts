/**
 * The ping endpoints, answering as Healthchecks.io does: 200 "OK", 201
 * "Created" (a slug URL with ?create=1 made the heartbeat), 404 "not found",
 * 400 for a malformed URL or run id, 429 "rate limited". GET, HEAD and POST;
 * the request body (up to the limit; more is cut and marked) is kept with
 * the ping. The UUID or ping key is the only credential, and it can do
 * nothing but ping.
 *
 * One handler serves two doors: a Hono route (the app, in-process tests)
 * and a bare node:http listener the server puts in front of Hono, since
 * pings are the hottest path and need no Request/Response objects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import { RateLimiter } from '../core/rate-limiter.js';
import type { App } from '../http/route-kit.js';
import type { HeartbeatRegistry } from './heartbeat-registry.js';
import type { HeartbeatService } from './heartbeat-service.js';
import { isUuid, parsePingPath } from './ping-request.js';
import type { PingWriter } from './ping-writer.js';

export interface PingOptions {
  /** Bytes of a ping's body kept (default 100 kB, as Healthchecks). */
  bodyLimit: number;
  /** Pings a second one heartbeat may send (with a burst of twice that). */
  perSecond: number;
}

export interface PingHttpRequest {
  method: string;
  /** The path after /ping/. */
  path: string;
  query: URLSearchParams;
  body: Buffer | null;
  userAgent: string | null;
  remoteAddr: string | null;
}

export type PingHandler = (req: PingHttpRequest) => Promise<{ status: number; text: string }>;

export function createPingHandler(deps: { registry: HeartbeatRegistry; heartbeats: HeartbeatService; writer: PingWriter; clock: Clock; options: PingOptions }): PingHandler {
  const { registry, heartbeats, writer, clock, options } = deps;
  const limiter = new RateLimiter();
  return async (req) => {
    const segments = req.path.split('/').filter((s, i, all) => s !== '' || i < all.length - 1);
    let ping;
    try {
      ping = parsePingPath(segments.map(decodeURIComponent));
    } catch {
      ping = undefined;
    }
    if (!ping) return { status: 400, text: 'invalid url format' };
    const rid = req.query.get('rid');
    if (rid !== null && !isUuid(rid)) return { status: 400, text: 'invalid uuid format' };
    const keyOk = ping.target.pingKey !== undefined && ping.target.pingKey === heartbeats.key();
    let entry = ping.target.uuid ? registry.uuid(ping.target.uuid) : keyOk ? registry.slug(ping.target.slug!) : undefined;
    let created = false;
    if (!entry && keyOk && req.query.get('create') === '1') {
      // Auto-provisioned as Healthchecks does: a daily period with an hour of grace.
      await heartbeats.create(heartbeats.parse({ name: ping.target.slug, slug: ping.target.slug, period: '1d', grace: '1h' }));
      entry = registry.slug(ping.target.slug!);
      created = true;
    }
    if (!entry) return { status: 404, text: 'not found' };
    if (limiter.take(entry.row.id, options.perSecond, clock.now(), options.perSecond * 2) > 0) return { status: 429, text: 'rate limited' };
    const raw = req.method === 'POST' ? req.body : null;
    await writer.submit({
      type: 'ping',
      heartbeatId: entry.row.id,
      kind: ping.kind,
      exitStatus: ping.exitStatus,
      rid,
      method: req.method,
      remoteAddr: req.remoteAddr,
      userAgent: req.userAgent?.slice(0, 200) ?? null,
      body: raw && raw.length ? raw.subarray(0, options.bodyLimit).toString('utf8') : null,
      bodyTruncated: raw !== null && raw.length > options.bodyLimit,
    });
    return created ? { status: 201, text: 'Created' } : { status: 200, text: 'OK' };
  };
}

const headers = { 'content-type': 'text/plain; charset=utf-8', 'access-control-allow-origin': '*' };

/** The Hono door. */
export function registerPingRoutes(app: App, handler: PingHandler): void {
  app.on(['GET', 'HEAD', 'POST'], '/ping/*', async (c) => {
    const url = new URL(c.req.url);
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    const body = c.req.method === 'POST' ? Buffer.from(await c.req.arrayBuffer()) : null;
    const r = await handler({ method: c.req.method, path: url.pathname.slice('/ping/'.length), query: url.searchParams, body, userAgent: c.req.header('user-agent') ?? null, remoteAddr: forwarded ?? null });
    return new Response(c.req.method === 'HEAD' ? null : r.text, { status: r.status, headers });
  });
}

const MAX_READ = 1024 * 1024;

/** The node:http door: answers /ping/ requests itself; returns false for anything else. */
export function pingListener(handler: PingHandler): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    const method = req.method ?? 'GET';
    if (!url.startsWith('/ping/') || (method !== 'GET' && method !== 'HEAD' && method !== 'POST')) return false;
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
      handler({ method, path, query, body: method === 'POST' ? Buffer.concat(chunks) : null, userAgent: req.headers['user-agent'] ?? null, remoteAddr: forwarded ?? req.socket.remoteAddress ?? null }).then(
        (r) => {
          res.writeHead(r.status, headers);
          res.end(method === 'HEAD' ? undefined : r.text);
        },
        () => {
          res.writeHead(500, headers);
          res.end('internal error');
        },
      );
    });
    return true;
  };
}
