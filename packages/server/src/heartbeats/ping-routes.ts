/**
 * The ping endpoints, answering as Healthchecks.io does: 200 "OK", 201
 * "Created" (a slug URL with ?create=1 made the heartbeat), 404 "not found",
 * 400 for a malformed URL or run id, 429 "rate limited". GET, HEAD and POST;
 * the request body (up to the limit; more is cut and marked) is kept with
 * the ping. The UUID or ping key is the only credential, and it can do
 * nothing but ping.
 */
import type { Context } from 'hono';
import { RateLimiter } from '../core/rate-limiter.js';
import type { Clock } from '../core/clock.js';
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

const text = (c: Context, status: number, body: string): Response =>
  new Response(c.req.method === 'HEAD' ? null : body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'access-control-allow-origin': '*' } });

export function registerPingRoutes(app: App, deps: { registry: HeartbeatRegistry; heartbeats: HeartbeatService; writer: PingWriter; clock: Clock; options: PingOptions }): void {
  const { registry, heartbeats, writer, clock, options } = deps;
  const limiter = new RateLimiter();
  app.on(['GET', 'HEAD', 'POST'], '/ping/*', async (c) => {
    const segments = c.req.path.slice('/ping/'.length).split('/').filter((s, i, all) => s !== '' || i < all.length - 1);
    const ping = parsePingPath(segments.map(decodeURIComponent));
    if (!ping) return text(c, 400, 'invalid url format');
    const rid = c.req.query('rid') ?? null;
    if (rid !== null && !isUuid(rid)) return text(c, 400, 'invalid uuid format');
    let entry = ping.target.uuid ? registry.uuid(ping.target.uuid) : ping.target.pingKey === heartbeats.key() ? registry.slug(ping.target.slug!) : undefined;
    let created = false;
    if (!entry && ping.target.slug && ping.target.pingKey === heartbeats.key() && c.req.query('create') === '1') {
      // Auto-provisioned as Healthchecks does: a daily period with an hour of grace.
      await heartbeats.create(heartbeats.parse({ name: ping.target.slug, slug: ping.target.slug, period: '1d', grace: '1h' }));
      entry = registry.slug(ping.target.slug);
      created = true;
    }
    if (!entry) return text(c, 404, 'not found');
    if (limiter.take(entry.row.id, options.perSecond, clock.now(), options.perSecond * 2) > 0) return text(c, 429, 'rate limited');
    let body: string | null = null;
    let truncated = false;
    if (c.req.method === 'POST') {
      const raw = Buffer.from(await c.req.arrayBuffer());
      truncated = raw.length > options.bodyLimit;
      body = raw.subarray(0, options.bodyLimit).toString('utf8') || null;
    }
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    const remote = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
    await writer.submit({
      type: 'ping',
      heartbeatId: entry.row.id,
      kind: ping.kind,
      exitStatus: ping.exitStatus,
      rid,
      method: c.req.method,
      remoteAddr: forwarded ?? remote ?? null,
      userAgent: c.req.header('user-agent')?.slice(0, 200) ?? null,
      body,
      bodyTruncated: truncated,
    });
    return created ? text(c, 201, 'Created') : text(c, 200, 'OK');
  });
}
