import { z } from 'zod';
import { handle, nameParam, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { MonitorChangeService } from './monitor-change-service.js';

const changesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().min(0).optional(),
});

const changeSchema = z.object({
  at: z.string().describe('ISO 8601 time of the check (or the pause) that made the change'),
  from: z.string(),
  to: z.string().describe('UP, DOWN, PENDING, PAUSED or MAINTENANCE'),
  reason: z.string().nullable(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int().nullable(),
});

const changesSchema = z.object({
  changes: z.array(changeSchema),
  next: z
    .number()
    .int()
    .nullable()
    .describe("The next (older) page's `before`; null when this page reaches the oldest"),
});

/** GET /api/monitors/{name}/changes: the transitions of a monitor's shown state, newest first. */
export function registerMonitorChangeRoutes(app: App, tokens: TokenService, changes: MonitorChangeService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/monitors/{name}/changes',
      scope: 'read',
      summary: 'State changes with their reasons, newest first (page with ?before=<next>; kept 90 days)',
      tags: ['monitors'],
      params: nameParam,
      query: changesQuery,
      response: { schema: changesSchema },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await changes.list(c.req.valid('param').name, q.limit ?? 50, q.before));
    },
  );
}
