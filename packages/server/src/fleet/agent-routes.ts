import { z } from 'zod';
import { agentTagsSchema, tagSelectorSchema, type TagSelector } from '@tocsin/protocol';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AgentService } from './agent-service.js';

const tags = ['agents'];
const idParam = z.object({ id: z.string().min(1).max(64) });
const listQuery = z.object({
  tags: z.string().max(4096).optional(),
  state: z.enum(['online', 'offline']).optional(),
});
const patchBody = z.object({ tags: agentTagsSchema }).strict();

/** A selector as people write it (`role=web,env=prod|stage`), checked; a 400 naming `tags` otherwise. */
export function parseSelectorText(text: string): TagSelector {
  const out: Record<string, string | string[]> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid([{ path: 'tags', message: `'${part}' is not key=value (role=web,env=prod|stage)` }]);
    const values = part.slice(eq + 1).split('|');
    out[part.slice(0, eq).trim()] = values.length === 1 ? values[0] : values;
  }
  const parsed = tagSelectorSchema.safeParse(out);
  if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, 'tags'));
  return parsed.data;
}

/** `/api/agents`: the enrolled agents, their tags, and revocation. */
export function registerAgentRoutes(app: App, tokens: TokenService, agents: AgentService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/agents',
      scope: 'read',
      summary: 'List agents (not revoked), by tag selector (?tags=role=web,env=prod|stage) and state',
      tags,
      query: listQuery,
    }),
    async (c) => {
      const q = c.req.valid('query');
      const selector = q.tags ? parseSelectorText(q.tags) : undefined;
      return c.json({ agents: await agents.list({ tags: selector, state: q.state }) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/agents/{id}',
      scope: 'read',
      summary: 'An agent: tags, state, node holding its connection, commands allowed, self-checks',
      tags,
      params: idParam,
    }),
    async (c) => c.json(await agents.get(c.req.valid('param').id)),
  );
  handle(
    app,
    route(tokens, {
      method: 'patch',
      path: '/api/agents/{id}',
      scope: 'write',
      summary: "Replace an agent's tags (an enrolment token's tags and what the agent says of itself win again)",
      tags,
      params: idParam,
      body: patchBody,
    }),
    async (c) => c.json(await agents.setTags(c.req.valid('param').id, c.req.valid('json').tags)),
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/agents/{id}',
      scope: 'admin',
      summary: 'Revoke an agent: its credential is refused and its connection closed (4401)',
      tags,
      params: idParam,
      response: { status: 204 },
    }),
    async (c) => {
      await agents.revoke(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
}
