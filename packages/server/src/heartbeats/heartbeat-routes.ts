import { z } from 'zod';
import { heartbeatInputSchema } from '@tocsin/protocol';
import { exists, handle, nameParam, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { HeartbeatService } from './heartbeat-service.js';

const tags = ['heartbeats'];
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.string().optional(),
});

export function registerHeartbeatRoutes(app: App, tokens: TokenService, heartbeats: HeartbeatService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/heartbeats',
      scope: 'read',
      summary: 'List heartbeats with state and ping URLs',
      tags,
    }),
    (c) => c.json({ heartbeats: heartbeats.list() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/heartbeats-ping-key',
      scope: 'write',
      summary: 'The ping key of slug URLs (/ping/{key}/{slug})',
      tags,
    }),
    (c) => c.json({ pingKey: heartbeats.key() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/heartbeats',
      scope: 'write',
      summary: 'Create a heartbeat',
      tags,
      body: heartbeatInputSchema,
      bodyCheckedByHandler: true,
      response: { status: 201 },
    }),
    async (c) => c.json(await heartbeats.create(heartbeats.parse(await c.req.json())), 201),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/heartbeats/{name}',
      scope: 'read',
      summary: 'Read a heartbeat',
      tags,
      params: nameParam,
    }),
    (c) => c.json(heartbeats.view(heartbeats.get(c.req.valid('param').name))),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/heartbeats/{name}',
      scope: 'write',
      summary: 'Create or replace a heartbeat (named by the path; ping URL, state and pings stay)',
      tags,
      params: nameParam,
      body: putBodyDoc(heartbeatInputSchema),
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const spec = heartbeats.parse(namedByPath(await c.req.json(), name));
      if (!(await exists(() => heartbeats.get(name)))) return c.json(await heartbeats.create(spec), 201);
      return c.json(await heartbeats.replace(name, spec));
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/heartbeats/{name}',
      scope: 'write',
      summary: 'Delete a heartbeat and its pings',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await heartbeats.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    handle(
      app,
      route(tokens, {
        method: 'post',
        path: `/api/heartbeats/{name}/${action}`,
        scope: 'write',
        summary: `${action === 'pause' ? 'Pause' : 'Resume'} a heartbeat`,
        tags,
        params: nameParam,
      }),
      async (c) => c.json(await heartbeats.setPaused(c.req.valid('param').name, paused)),
    );
  }
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/heartbeats/{name}/pings',
      scope: 'read',
      summary: 'Pings, newest first (kept 30 days)',
      tags,
      params: nameParam,
      query: pageQuery,
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ pings: await heartbeats.pings(c.req.valid('param').name, q.limit ?? 100, q.before) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/heartbeats/{name}/changes',
      scope: 'read',
      summary: 'State changes, newest first',
      tags,
      params: nameParam,
      query: pageQuery,
    }),
    async (c) =>
      c.json({ changes: await heartbeats.changes(c.req.valid('param').name, c.req.valid('query').limit ?? 100) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/heartbeats/{name}/runs',
      scope: 'read',
      summary: 'Finished runs with their start-to-finish durations, newest first',
      tags,
      params: nameParam,
      query: pageQuery,
    }),
    async (c) => {
      const q = c.req.valid('query');
      const pings = await heartbeats.pings(c.req.valid('param').name, Math.min(1000, (q.limit ?? 100) * 3), q.before);
      const runs = pings.filter((p) => p.durationMs !== null).slice(0, q.limit ?? 100);
      return c.json({
        runs: runs.map((p) => ({
          finishedAt: p.at,
          durationMs: p.durationMs,
          result: p.kind === 'fail' ? 'fail' : 'success',
          exitStatus: p.exitStatus,
          rid: p.rid,
        })),
      });
    },
  );
}
