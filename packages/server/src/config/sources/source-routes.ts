import { handle, nameParam, route, type App } from '../../http/route-kit.js';
import type { TokenService } from '../../tokens/token-service.js';
import type { SourceService } from './source-service.js';

const tags = ['sources'];

export function registerSourceRoutes(app: App, tokens: TokenService, sources: SourceService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/sources',
      scope: 'read',
      summary: 'List the sources of monitors, each with the outcome of its last read (time, counts, error)',
      tags,
    }),
    async (c) => c.json({ sources: await sources.list() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/sources/{name}',
      scope: 'read',
      summary: 'Read a source of monitors and the outcome of its last read',
      tags,
      params: nameParam,
    }),
    async (c) => c.json(await sources.get(c.req.valid('param').name)),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/sources/{name}/read',
      scope: 'write',
      summary: 'Read a source now and apply its list; answers the outcome (a failed read changes no monitor)',
      tags,
      params: nameParam,
    }),
    async (c) => c.json(await sources.read(c.req.valid('param').name)),
  );
}
