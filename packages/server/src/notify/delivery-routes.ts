import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { DeliveryService } from './delivery-service.js';

const tags = ['deliveries'];
const filterQuery = z.object({
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
  topic: z.string().optional(),
  subscription: z.string().optional(),
  before: z.string().optional(),
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
      summary: 'List deliveries, newest first (page with ?before=ID)',
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
      query: filterQuery.omit({ status: true, before: true, limit: true }),
      response: { status: 202 },
    }),
    async (c) => c.json(await deliveries.replayDead(c.req.valid('query')), 202),
  );
}
