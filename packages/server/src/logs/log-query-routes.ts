import { z } from 'zod';
import { logQuerySchema } from '@tocsin/protocol';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { LogQueryService } from './log-query-service.js';

/** `GET /api/logs/query`. */
export function registerLogQueryRoutes(app: App, tokens: TokenService, queries: LogQueryService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/logs/query',
      scope: 'read',
      summary:
        'Events of one log group in a time range (the last hour by default) that a filter pattern matches, ' +
        'newest first by default; `next` is the cursor of the following page',
      tags: ['logs'],
      query: logQuerySchema,
      response: {
        schema: z.object({
          events: z.array(z.record(z.string(), z.unknown())),
          next: z.string().optional(),
          scanned: z.object({ blocks: z.number(), skipped: z.number(), lines: z.number() }),
        }),
      },
    }),
    async (c) => c.json(await queries.query(c.req.valid('query'))),
  );
}
