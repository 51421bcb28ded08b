import { z } from 'zod';
import {
  incidentInputSchema,
  incidentUpdateInputSchema,
  statusPageInputSchema,
  statusPagePutDocSchema,
  statusPageSlugSchema,
} from '@tocsin/protocol';
import { invalid } from '../core/errors.js';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import { incidentView, type StatusPageService } from './status-page-service.js';

const tags = ['status-pages'];
const slugParam = z.object({ slug: statusPageSlugSchema });
const incidentParam = z.object({ slug: statusPageSlugSchema, id: z.string().min(1).max(64) });

/** A PUT body named by the path: a body without a slug takes the path's; a different one is a 400. */
function sluggedByPath(body: unknown, slug: string): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const given = (body as { slug?: unknown }).slug;
  if (given !== undefined && given !== slug)
    throw invalid([
      { path: 'slug', message: `must be the slug in the path ('${slug}'), or left out (got '${String(given)}')` },
    ]);
  return { ...body, slug };
}

/** The admin API of status pages and their incidents. */
export function registerStatusPageRoutes(app: App, tokens: TokenService, pages: StatusPageService): void {
  handle(
    app,
    route(tokens, { method: 'get', path: '/api/status-pages', scope: 'read', summary: 'List status pages', tags }),
    async (c) => c.json({ statusPages: (await pages.list()).map((p) => pages.view(p)) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/status-pages',
      scope: 'write',
      summary: 'Create a status page (409 when the slug is taken; PUT /api/status-pages/{slug} replaces)',
      tags,
      body: statusPageInputSchema,
      bodyCheckedByHandler: true,
      response: { status: 201, conflict: 'A status page with this slug exists' },
    }),
    async (c) => c.json(pages.view(await pages.create(pages.parse(await c.req.json()))), 201),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/status-pages/{slug}',
      scope: 'read',
      summary: 'Read a status page',
      tags,
      params: slugParam,
    }),
    async (c) => c.json(pages.view(await pages.get(c.req.valid('param').slug))),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/status-pages/{slug}',
      scope: 'write',
      summary: 'Create or replace a status page (named by the path; its incidents stay)',
      tags,
      params: slugParam,
      body: statusPagePutDocSchema,
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const slug = c.req.valid('param').slug;
      const { page, created } = await pages.put(pages.parse(sluggedByPath(await c.req.json(), slug)));
      return c.json(pages.view(page), created ? 201 : 200);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/status-pages/{slug}',
      scope: 'write',
      summary: 'Delete a status page with its incidents',
      tags,
      params: slugParam,
      response: { status: 204 },
    }),
    async (c) => {
      await pages.remove(c.req.valid('param').slug);
      return c.body(null, 204);
    },
  );
  registerIncidentRoutes(app, tokens, pages);
}

function registerIncidentRoutes(app: App, tokens: TokenService, pages: StatusPageService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/status-pages/{slug}/incidents',
      scope: 'read',
      summary: "A status page's incidents, newest first, each with its updates (oldest first)",
      tags,
      params: slugParam,
    }),
    async (c) => c.json({ incidents: (await pages.incidents(c.req.valid('param').slug)).map(incidentView) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/status-pages/{slug}/incidents',
      scope: 'write',
      summary: 'Open an incident with its first update',
      tags,
      params: slugParam,
      body: incidentInputSchema,
      bodyCheckedByHandler: true,
      response: { status: 201 },
    }),
    async (c) => {
      const input = pages.parseIncident(await c.req.json());
      return c.json(incidentView(await pages.createIncident(c.req.valid('param').slug, input)), 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/status-pages/{slug}/incidents/{id}/updates',
      scope: 'write',
      summary: "Post an update; its status becomes the incident's (resolved resolves it, another reopens it)",
      tags,
      params: incidentParam,
      body: incidentUpdateInputSchema,
      bodyCheckedByHandler: true,
      response: { status: 201, description: 'The incident with the new update' },
    }),
    async (c) => {
      const { slug, id } = c.req.valid('param');
      const input = pages.parseUpdate(await c.req.json());
      return c.json(incidentView(await pages.addUpdate(slug, id, input)), 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/status-pages/{slug}/incidents/{id}',
      scope: 'write',
      summary: 'Delete an incident with its updates',
      tags,
      params: incidentParam,
      response: { status: 204 },
    }),
    async (c) => {
      const { slug, id } = c.req.valid('param');
      await pages.removeIncident(slug, id);
      return c.body(null, 204);
    },
  );
}
