import { z } from 'zod';
import { alertRouteInputSchema, nameSchema } from '@tocsin/protocol';
import { handle, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import { routeAsWritten, type AlertRouteService } from './alert-route-service.js';

const tags = ['alert-routes'];
const nameParam = z.object({ name: nameSchema });

/** `/api/alert-routes`: the routes of Prometheus alerts to topics, in the order they are tried. */
export function registerAlertRouteRoutes(app: App, tokens: TokenService, routes: AlertRouteService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/alert-routes',
      scope: 'read',
      summary: 'Alert routes, in the order they are tried',
      tags,
    }),
    (c) => c.json({ routes: routes.list().map(routeAsWritten) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/alert-routes/{name}',
      scope: 'read',
      summary: 'An alert route',
      tags,
      params: nameParam,
    }),
    (c) => c.json(routeAsWritten(routes.get(c.req.valid('param').name))),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/alert-routes/{name}',
      scope: 'write',
      summary: 'Create or replace an alert route',
      tags,
      params: nameParam,
      body: putBodyDoc(alertRouteInputSchema),
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      const spec = routes.parse(namedByPath(await c.req.json(), name));
      const created = !routes.has(name);
      await routes.put(spec);
      return c.json(routeAsWritten(spec), created ? 201 : 200);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/alert-routes/{name}',
      scope: 'write',
      summary: 'Delete an alert route (the alerts it holds still resolve to its topics)',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await routes.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
}
