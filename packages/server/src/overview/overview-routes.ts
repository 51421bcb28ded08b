import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { OverviewService } from './overview-service.js';

const problem = z.object({ name: z.string(), state: z.string(), since: z.string(), reason: z.string().nullable() });
const counts = z.record(z.string(), z.number());

export const overviewSchema = z.object({
  at: z.string(),
  problems: z.object({
    monitors: z.array(problem),
    heartbeats: z.array(problem),
    alarms: z.array(problem),
    deadLetters: z.object({ count: z.number(), newest: z.array(z.record(z.string(), z.unknown())) }),
  }),
  counts: z.object({ monitors: counts, heartbeats: counts, alarms: counts }),
});

export function registerOverviewRoutes(app: App, tokens: TokenService, overview: OverviewService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/overview',
      scope: 'read',
      summary:
        'What is wrong first (monitors DOWN, heartbeats LATE or DOWN, alarms in ALARM, dead letters), ' +
        'then counts by state',
      tags: ['overview'],
      response: { schema: overviewSchema },
    }),
    async (c) => c.json(await overview.overview()),
  );
}
