import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { DeliveryService } from './delivery-service.js';

const tags = ['deliveries'];
/** A time as epoch milliseconds or ISO 8601 (`2026-03-10T12:00:00Z`), as epoch milliseconds. */
const instant = z
  .string()
  .transform((text, ctx) => {
    const ms = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isSafeInteger(ms) && ms >= 0) return ms;
    ctx.addIssue({ code: 'custom', message: `'${text}' is not a time: give epoch milliseconds or ISO 8601` });
    return z.NEVER;
  })
  .optional();

const filterQuery = z.object({
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
  topic: z.string().optional(),
  subscription: z.string().optional(),
  before: z.string().optional(),
  since: instant.describe('Only deliveries made at or after this time (epoch ms or ISO 8601)'),
  until: instant.describe('Only deliveries made before this time (epoch ms or ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const idParam = z.object({ id: z.string() });

export function registerDeliveryRoutes(app: App, tokens: TokenService, deliveries: DeliveryService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/deliveries',
      scope: 'read',
      summary: 'List deliveries, newest first (page with ?before=ID; a time range with ?since= and ?until=)',
      tags,
      query: filterQuery,
    }),
    async (c) => c.json({ deliveries: await deliveries.list(c.req.valid('query')) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/deliveries/{id}',
      scope: 'read',
      summary: 'Read a delivery and its event',
      tags,
      params: idParam,
    }),
    async (c) => c.json(await deliveries.get(c.req.valid('param').id)),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/deliveries/{id}/replay',
      scope: 'write',
      summary: 'Send a dead or delivered delivery again',
      tags,
      params: idParam,
      response: { status: 202 },
    }),
    async (c) => c.json(await deliveries.replay(c.req.valid('param').id), 202),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/deliveries/replay',
      scope: 'write',
      summary:
        'Replay every dead delivery (of a topic or subscription); ' +
        'those of deleted subscriptions are skipped and counted',
      tags,
      query: filterQuery.omit({ status: true, before: true, since: true, until: true, limit: true }),
      response: { status: 202 },
    }),
    async (c) => c.json(await deliveries.replayDead(c.req.valid('query')), 202),
  );
}
