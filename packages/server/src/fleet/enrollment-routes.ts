import { z } from 'zod';
import { enrollmentTokenCreateSchema, enrollRequestSchema, enrollResponseSchema } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import { clientAddress, handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { EnrollLimiter } from './enrollment-limiter.js';
import type { EnrollmentService } from './enrollment-service.js';

const tags = ['agents'];
const idParam = z.object({ id: z.string().min(1).max(64) });

/** `/api/agents/enrollment-tokens` (admins) and `POST /api/agents/enroll` (the token is the authentication). */
export function registerEnrollmentRoutes(
  app: App,
  tokens: TokenService,
  enrollment: EnrollmentService,
  limiter: EnrollLimiter,
): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/agents/enrollment-tokens',
      scope: 'admin',
      summary: 'Make an enrolment token; the answer is the only time its secret is shown',
      tags,
      body: enrollmentTokenCreateSchema,
      bodyCheckedByHandler: true,
      response: { status: 201 },
    }),
    async (c) => {
      const body: unknown = await c.req.json();
      const by = c.get('principal')?.name ?? null;
      return c.json(await enrollment.createToken(body, by), 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/agents/enrollment-tokens',
      scope: 'admin',
      summary: 'List enrolment tokens (never their secrets) with their uses and state',
      tags,
    }),
    async (c) => c.json({ tokens: await enrollment.listTokens() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/agents/enrollment-tokens/{id}',
      scope: 'admin',
      summary: 'Revoke an enrolment token (agents it enrolled stay)',
      tags,
      params: idParam,
      response: { status: 204 },
    }),
    async (c) => {
      await enrollment.revokeToken(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/agents/enroll',
      scope: 'public',
      summary: "Exchange an enrolment token for the agent's credential and the server's command key",
      tags,
      body: enrollRequestSchema,
      bodyCheckedByHandler: true,
      response: { status: 201, schema: enrollResponseSchema },
    }),
    async (c) => {
      const address = clientAddress(c);
      limiter.check(address);
      try {
        return c.json(await enrollment.enroll(await c.req.json()), 201);
      } catch (err) {
        if (err instanceof TocsinError && err.code === 'unauthorized') limiter.refused(address);
        throw err;
      }
    },
  );
}
