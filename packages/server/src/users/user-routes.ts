/** The admin's user management: list, create, change role or password, delete (never the last admin). */
import { userCreateSchema, userPatchSchema, userSchema } from '@tocsin/protocol';
import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import { sessionCookieOf } from './session-cookie.js';
import type { SessionService } from './session-service.js';
import type { UserService } from './user-service.js';

const tags = ['users'];
const userNameParam = z.object({ name: z.string().min(1).max(64) });

export function registerUserRoutes(app: App, tokens: TokenService, users: UserService, sessions: SessionService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/users',
      scope: 'admin',
      summary: 'List users (never their passwords or TOTP secrets)',
      tags,
      response: { schema: z.object({ users: z.array(userSchema) }) },
    }),
    async (c) => c.json({ users: await users.list() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/users',
      scope: 'admin',
      summary: 'Create a user with a role: admin, editor (writes) or viewer (reads)',
      tags,
      body: userCreateSchema,
      response: { status: 201, schema: userSchema },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await users.create(body.name, body.password, body.role), 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'patch',
      path: '/api/users/{name}',
      scope: 'admin',
      summary: "Change a user's role or password (a new password ends the user's sessions)",
      tags,
      params: userNameParam,
      body: userPatchSchema,
      response: { schema: userSchema },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = await users.update(c.req.valid('param').name, body);
      if (body.password !== undefined) {
        // The admin's own session stays when they change their own password here.
        const self = c.get('principal')?.userId === user.id;
        await sessions.endUserSessions(user.id, self ? sessionCookieOf(c) : undefined);
      } else sessions.forgetUser(user.id);
      return c.json(user);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/users/{name}',
      scope: 'admin',
      summary: 'Delete a user and end their sessions (never the last admin)',
      tags,
      params: userNameParam,
      response: { status: 204 },
    }),
    async (c) => {
      const user = await users.delete(c.req.valid('param').name);
      await sessions.endUserSessions(user.id);
      return c.body(null, 204);
    },
  );
}
