import { tokenCreateSchema } from '@tocsin/protocol';
import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from './token-service.js';

const tags = ['tokens'];

export function registerTokenRoutes(app: App, tokens: TokenService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/tokens',
      scope: 'admin',
      summary: 'List API tokens (never their values)',
      tags,
    }),
    async (c) => c.json({ tokens: await tokens.list() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/tokens',
      scope: 'admin',
      summary: 'Create an API token; its value is shown only in this answer',
      tags,
      body: tokenCreateSchema,
      response: { status: 201 },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { token, view } = await tokens.create(body.name, body.scope);
      return c.json({ ...view, token }, 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/tokens/{id}',
      scope: 'admin',
      summary: 'Revoke a token by id or name',
      tags,
      params: z.object({ id: z.string() }),
    }),
    async (c) => c.json(await tokens.revoke(c.req.valid('param').id)),
  );
}
