import { z } from 'zod';
import { agentGroupInputSchema, nameSchema, tagsMatch, type AgentGroupSpec } from '@tocsin/protocol';
import { handle, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AgentGroupService } from './agent-group-service.js';
import type { AgentView } from './agent-service.js';

const tags = ['agent-groups'];
const nameParam = z.object({ name: nameSchema });

/** `/api/agent-groups`: groups of agents by tag selector, with how many of them are online. */
export function registerAgentGroupRoutes(
  app: App,
  tokens: TokenService,
  groups: AgentGroupService,
  agents: () => Promise<AgentView[]>,
): void {
  const view = (g: AgentGroupSpec, all: AgentView[]) => ({ ...g, ...groups.count(g, all) });
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/agent-groups',
      scope: 'read',
      summary: 'Agent groups with their members online (healthy), members and expected size',
      tags,
    }),
    async (c) => {
      const all = await agents();
      return c.json({ groups: groups.list().map((g) => view(g, all)) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/agent-groups/{name}',
      scope: 'read',
      summary: 'An agent group, its counts and its members',
      tags,
      params: nameParam,
    }),
    async (c) => {
      const g = groups.get(c.req.valid('param').name);
      const all = await agents();
      return c.json({ ...view(g, all), agents: all.filter((a) => tagsMatch(a.tags, g.selector)) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/agent-groups/{name}',
      scope: 'write',
      summary: 'Create or replace an agent group',
      tags,
      params: nameParam,
      body: putBodyDoc(agentGroupInputSchema),
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      const spec = groups.parse(namedByPath(await c.req.json(), name));
      const created = !groups.has(name);
      await groups.put(spec);
      return c.json(view(spec, await agents()), created ? 201 : 200);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/agent-groups/{name}',
      scope: 'write',
      summary: 'Delete an agent group (its agents stay)',
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
