import { handle, nameParam, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { GroupService } from './group-service.js';

const tags = ['groups'];

/** Groups are written through the config file (`groups:`); these routes read them with their healthy counts. */
export function registerGroupRoutes(
  app: App,
  tokens: TokenService,
  groups: GroupService,
  refresh: () => Promise<void>,
): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/groups',
      scope: 'read',
      summary: 'Groups with their members UP (healthy), members, members not yet checked, and expected size',
      tags,
    }),
    async (c) => {
      await refresh();
      return c.json({ groups: groups.list() });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/groups/{name}',
      scope: 'read',
      summary: 'A group, its counts, and its member monitors with their states',
      tags,
      params: nameParam,
    }),
    async (c) => {
      await refresh();
      return c.json(groups.get(c.req.valid('param').name));
    },
  );
}
