import { z } from 'zod';
import { maintenanceInputSchema, monitorInputDocSchema, monitorPutDocSchema } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import { exists, handle, nameParam, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { MaintenanceService } from './maintenance-service.js';
import type { MonitorService } from './monitor-service.js';

const tags = ['monitors'];
const resultsQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

export function registerMonitorRoutes(
  app: App,
  tokens: TokenService,
  monitors: MonitorService,
  maintenance: MaintenanceService,
  now: () => number,
): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/monitors',
      scope: 'read',
      summary: 'List monitors with state, last check and uptime',
      tags,
    }),
    async (c) => {
      await monitors.refreshUnowned();
      const uptime = await monitors.uptime();
      return c.json({ monitors: monitors.list().map((m) => ({ ...m, uptime: uptime[m.name] })) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/monitors',
      scope: 'write',
      summary: 'Create a monitor',
      tags,
      body: monitorInputDocSchema,
      bodyCheckedByHandler: true,
      response: { status: 201 },
    }),
    async (c) => c.json(await monitors.create(monitors.parse(await c.req.json())), 201),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/monitors/{name}',
      scope: 'read',
      summary: 'Read a monitor',
      tags,
      params: nameParam,
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      await monitors.refreshUnowned();
      const e = monitors.get(name);
      const view = { ...monitors.view(e), uptime: (await monitors.uptime([name]))[name] };
      return c.json(e.monitor.locations ? { ...view, locationResults: await monitors.locations(name) } : view);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/monitors/{name}/locations',
      scope: 'read',
      summary: 'The latest result from each location a monitor is checked from (the server, its agents)',
      tags,
      params: nameParam,
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      return c.json({ name, locations: await monitors.locations(name) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/monitors/{name}',
      scope: 'write',
      summary: 'Create or replace a monitor (named by the path; state and history stay)',
      tags,
      params: nameParam,
      body: monitorPutDocSchema,
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const parsed = monitors.parse(namedByPath(await c.req.json(), name));
      if (!(await exists(() => monitors.get(name)))) return c.json(await monitors.create(parsed), 201);
      return c.json(await monitors.replace(name, parsed));
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/monitors/{name}',
      scope: 'write',
      summary: 'Delete a monitor and its history',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await monitors.remove(c.req.valid('param').name);
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
        path: `/api/monitors/{name}/${action}`,
        scope: 'write',
        summary: `${action === 'pause' ? 'Pause' : 'Resume'} a monitor`,
        tags,
        params: nameParam,
      }),
      async (c) => c.json(await monitors.setPaused(c.req.valid('param').name, paused)),
    );
  }
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/monitors/{name}/results',
      scope: 'read',
      summary: 'Check results, newest first (raw results are kept 7 days)',
      tags,
      params: nameParam,
      query: resultsQuery,
    }),
    async (c) => {
      const q = c.req.valid('query');
      const to = q.to ? Date.parse(q.to) : now() + 1;
      const from = q.from ? Date.parse(q.from) : to - 86_400_000;
      if (from >= to)
        throw new TocsinError('validation_failed', 'from: must be before to', {
          issues: [{ path: 'from', message: 'must be before to' }],
        });
      const results = await monitors.results(c.req.valid('param').name, from, to, q.limit ?? 100);
      return c.json({
        results: results.map((r) => ({
          at: new Date(r.at).toISOString(),
          up: r.up,
          latencyMs: r.latencyMs,
          statusCode: r.statusCode,
          reason: r.reason,
        })),
      });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/monitors/{name}/uptime',
      scope: 'read',
      summary: 'Uptime over 24 hours, 7 and 30 days',
      tags,
      params: nameParam,
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      monitors.get(name);
      return c.json({ name, uptime: (await monitors.uptime([name]))[name] });
    },
  );

  const mtags = ['maintenance'];
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/maintenance',
      scope: 'read',
      summary: 'List maintenance windows',
      tags: mtags,
    }),
    (c) => c.json({ maintenance: maintenance.list() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/maintenance/{name}',
      scope: 'write',
      summary: 'Create or replace a maintenance window (named by the path)',
      tags: mtags,
      params: nameParam,
      body: putBodyDoc(maintenanceInputSchema),
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const spec = maintenance.parse(namedByPath(await c.req.json(), name));
      const existed = await exists(() => maintenance.get(name));
      await maintenance.put(spec);
      return c.json(maintenance.get(name), existed ? 200 : 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/maintenance/{name}',
      scope: 'read',
      summary: 'Read a maintenance window',
      tags: mtags,
      params: nameParam,
    }),
    (c) => c.json(maintenance.get(c.req.valid('param').name)),
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/maintenance/{name}',
      scope: 'write',
      summary: 'Delete a maintenance window',
      tags: mtags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await maintenance.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
}
