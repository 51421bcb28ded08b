import { z } from 'zod';
import { logGroupInputSchema, logGroupNameSchema } from '@tocsin/protocol';
import { handle, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { LogGroupService } from './log-group-service.js';

const tags = ['logs'];
/** Group names hold `/` (`/aws/lambda/checkout`): send it as %2F in the path. */
const nameParam = z.object({ name: logGroupNameSchema });

/** `GET /api/log-groups`, `GET|PUT|DELETE /api/log-groups/{name}`. */
export function registerLogGroupRoutes(app: App, tokens: TokenService, groups: LogGroupService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/log-groups',
      scope: 'read',
      summary: 'List log groups with their stored and raw bytes, event count, and first and last event time',
      tags,
    }),
    async (c) => c.json({ logGroups: await groups.views() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/log-groups/{name}',
      scope: 'read',
      summary: 'Read a log group with its totals (a name with / is sent as %2F)',
      tags,
      params: nameParam,
    }),
    async (c) => c.json(await groups.viewOf(c.req.valid('param').name)),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/log-groups/{name}',
      scope: 'write',
      summary: 'Create or replace a log group (its retention and match; its events stay)',
      tags,
      params: nameParam,
      body: putBodyDoc(logGroupInputSchema),
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      const { created } = await groups.put(groups.parse(namedByPath(await c.req.json(), name)));
      return c.json(await groups.viewOf(name), created ? 201 : 200);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/log-groups/{name}',
      scope: 'write',
      summary: 'Delete a log group with all its events',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await groups.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
}
