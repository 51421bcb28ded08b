/**
 * The public side of status pages, with no login: the JSON, the HTML page
 * and the badges, all answered from the snapshot cache with an ETag (304
 * when the client has it) and a Cache-Control that lets browsers and
 * proxies keep them (30 s for pages, 60 s for badges).
 */
import { z } from 'zod';
import { TocsinError, invalid } from '../core/errors.js';
import { sendBody as send } from '../http/shared-answer.js';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import { latencyBadgeValue, renderBadge, statusBadgeValue, uptimeBadgeValue } from './status-badge-svg.js';
import { STATUS_PAGE_CSP, renderNotFoundPage } from './status-page-html.js';
import type { StatusSnapshot, StatusSnapshotCache } from './status-snapshot-cache.js';
import { UPTIME_WINDOWS } from './uptime-buckets.js';

const tags = ['status-pages'];
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PAGE_CACHE = 'public, max-age=30';
const BADGE_CACHE = 'public, max-age=60';
// Any string: an unknown or malformed slug is a 404 like any other page not found.
const slugParam = z.object({ slug: z.string() });
const badgeParam = z.object({ slug: z.string(), item: z.string() });
const uptimeQuery = z.object({ days: z.string().optional() });

async function snapshotOf(cache: StatusSnapshotCache, slug: string): Promise<StatusSnapshot | undefined> {
  return SLUG.test(slug) ? cache.get(slug) : undefined;
}

export function registerPublicStatusRoutes(app: App, tokens: TokenService, cache: StatusSnapshotCache): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/public/status/{slug}',
      scope: 'public',
      summary: "A status page's public JSON: overall status, items with daily uptime, incidents, maintenance",
      tags,
      params: slugParam,
    }),
    async (c) => {
      const slug = c.req.valid('param').slug;
      const snap = await snapshotOf(cache, slug);
      if (!snap) throw new TocsinError('not_found', `status page '${slug}' does not exist`);
      return send(c, snap.json, 'application/json', PAGE_CACHE);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/status/{slug}',
      scope: 'public',
      summary: 'The public status page (HTML, works without JavaScript)',
      tags,
      params: slugParam,
      response: { contentType: 'text/html' },
    }),
    async (c) => {
      const slug = c.req.valid('param').slug;
      const snap = await snapshotOf(cache, slug);
      const csp = { 'content-security-policy': STATUS_PAGE_CSP, 'x-content-type-options': 'nosniff' };
      if (!snap)
        return c.body(renderNotFoundPage(slug), 404, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': PAGE_CACHE,
          ...csp,
        });
      return send(c, snap.html, 'text/html; charset=utf-8', PAGE_CACHE, csp);
    },
  );
  registerBadgeRoutes(app, tokens, cache);
}

function registerBadgeRoutes(app: App, tokens: TokenService, cache: StatusSnapshotCache): void {
  const svg = 'image/svg+xml';
  const find = async (slug: string, name: string) => {
    const snap = await snapshotOf(cache, slug);
    if (!snap) throw new TocsinError('not_found', `status page '${slug}' does not exist`);
    const item = snap.status.items.find((i) => i.name === name);
    if (!item) throw new TocsinError('not_found', `status page '${slug}' shows no item '${name}'`);
    return { snap, item };
  };
  const badge = (path: string, summary: string, query?: z.ZodObject) =>
    route(tokens, {
      method: 'get',
      path: `/badge/{slug}/{item}/${path}`,
      scope: 'public',
      summary,
      tags,
      params: badgeParam,
      ...(query ? { query } : {}),
      response: { contentType: svg },
    });
  handle(app, badge('status.svg', "An item's state as an SVG badge"), async (c) => {
    const { slug, item: name } = c.req.valid('param');
    const { snap, item } = await find(slug, name);
    const { value, colour } = statusBadgeValue(item.state);
    return send(
      c,
      cache.badge(snap, `status/${name}`, () => renderBadge(item.label, value, colour)),
      svg,
      BADGE_CACHE,
    );
  });
  handle(
    app,
    badge('uptime.svg', "An item's uptime (days=1|7|30|90, 30 by default) as an SVG badge", uptimeQuery),
    async (c) => {
      const { slug, item: name } = c.req.valid('param');
      const days = Number(c.req.query('days') ?? '30');
      if (!(UPTIME_WINDOWS as readonly number[]).includes(days))
        throw invalid([{ path: 'days', message: `must be one of ${UPTIME_WINDOWS.join(', ')}` }]);
      const { snap, item } = await find(slug, name);
      if (!item.uptime) throw new TocsinError('not_found', `'${name}' is a group: groups have no uptime badge`);
      const { value, colour } = uptimeBadgeValue(item.uptime.windows[`${days as 1 | 7 | 30 | 90}d`]);
      const draw = () => renderBadge(`uptime ${days}d`, value, colour);
      return send(c, cache.badge(snap, `uptime/${days}/${name}`, draw), svg, BADGE_CACHE);
    },
  );
  handle(app, badge('latency.svg', "A monitor's last check latency as an SVG badge"), async (c) => {
    const { slug, item: name } = c.req.valid('param');
    const { snap, item } = await find(slug, name);
    if (item.type !== 'monitor')
      throw new TocsinError('not_found', `'${name}' is not a monitor: only monitors have latency`);
    const { value, colour } = latencyBadgeValue(item.latencyMs);
    return send(
      c,
      cache.badge(snap, `latency/${name}`, () => renderBadge('latency', value, colour)),
      svg,
      BADGE_CACHE,
    );
  });
}
