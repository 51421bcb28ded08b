import { z } from 'zod';
import { archiveJobInputSchema, archiveRunInputSchema, logGroupNameSchema, nameSchema } from '@tocsin/protocol';
import { notFound } from '../core/errors.js';
import { handle, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { ArchiveService } from './archive-service.js';
import type { ArchiveRunner } from './archive-runner.js';
import type { ArchiveJobRecord, ArchiveRunRecord } from './archive-store.js';

const tags = ['archives'];
const nameParam = z.object({ name: nameSchema });
const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function runView(r: ArchiveRunRecord): Record<string, unknown> {
  return { ...r, requestedAt: iso(r.requestedAt), startedAt: iso(r.startedAt), endedAt: iso(r.endedAt) };
}

/** `/api/archives`: jobs, their runs and days, a run now, and the archive read back. */
export function registerArchiveRoutes(app: App, tokens: TokenService, jobs: ArchiveService, runner: ArchiveRunner) {
  const jobView = async (j: ArchiveJobRecord) => {
    const [last] = await jobs.runs(j.spec.name, 1);
    const days = await jobs.days(j.spec.name);
    const pending = await runner.dueWork(j);
    const next = await runner.nextDue(j);
    return {
      ...jobs.view(j),
      lastRun: last && runView(last),
      daysArchived: days.filter((d) => d.state === 'archived').length,
      daysFailed: days.filter((d) => d.state === 'failed').length,
      daysPending: pending.length,
      nextRunAt: next === null ? undefined : iso(next),
    };
  };
  handle(
    app,
    route(tokens, { method: 'get', path: '/api/archives', scope: 'read', summary: 'List archive jobs', tags }),
    async (c) => c.json({ archives: await Promise.all(jobs.records().map(jobView)) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      scope: 'read',
      tags,
      path: '/api/archives/{name}',
      summary: 'Read an archive job with its last run and day counts',
      params: nameParam,
    }),
    async (c) => c.json(await jobView(jobs.record(c.req.valid('param').name))),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/archives/{name}',
      scope: 'write',
      summary: 'Create or replace an archive job',
      tags,
      params: nameParam,
      body: putBodyDoc(archiveJobInputSchema),
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      const { created } = await jobs.put(jobs.parse(namedByPath(await c.req.json(), name)));
      return c.json(await jobView(jobs.record(name)), created ? 201 : 200);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/archives/{name}',
      scope: 'write',
      summary: 'Delete an archive job and its records (what it wrote stays)',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await jobs.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/archives/{name}/run',
      scope: 'write',
      summary: 'Run now: the days not archived yet, or from..to again (replacing them)',
      tags,
      params: nameParam,
      body: archiveRunInputSchema,
      bodyCheckedByHandler: true,
      response: { description: 'Queued', status: 202 },
    }),
    async (c) => {
      const text = await c.req.text();
      const run = await jobs.requestRun(c.req.valid('param').name, text ? JSON.parse(text) : {});
      return c.json(runView(run), 202);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      scope: 'read',
      tags,
      path: '/api/archives/{name}/runs',
      summary: "The job's runs, newest first",
      params: nameParam,
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }),
    }),
    async (c) =>
      c.json({ runs: (await jobs.runs(c.req.valid('param').name, c.req.valid('query').limit)).map(runView) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      scope: 'read',
      tags,
      path: '/api/archives/{name}/runs/{id}',
      summary: 'One run with its progress',
      params: z.object({ name: nameSchema, id: z.string().min(1) }),
    }),
    async (c) => {
      const { name, id } = c.req.valid('param');
      const run = (await jobs.runs(name, 500)).find((r) => r.id === id);
      if (!run) throw notFound('archive run', id);
      return c.json(runView(run));
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      scope: 'read',
      tags,
      path: '/api/archives/{name}/days',
      summary: 'The days the job recorded (archived or failed), per group',
      params: nameParam,
      query: z.object({ group: logGroupNameSchema.optional() }),
    }),
    async (c) => {
      const days = await jobs.days(c.req.valid('param').name, c.req.valid('query').group);
      return c.json({ days: days.map((d) => ({ ...d, retryAt: iso(d.retryAt), archivedAt: iso(d.archivedAt) })) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      scope: 'read',
      tags,
      path: '/api/archives/{name}/manifests',
      summary: 'The manifests found at the destination (the archive as it is)',
      params: nameParam,
      query: z.object({ group: logGroupNameSchema.optional() }),
    }),
    async (c) => c.json({ manifests: await jobs.manifests(c.req.valid('param').name, c.req.valid('query').group) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      scope: 'read',
      tags,
      path: '/api/archives/{name}/objects',
      summary: 'One stored part (gzip NDJSON) or manifest of a day, as written',
      params: nameParam,
      query: z.object({ group: logGroupNameSchema, day: z.string(), part: z.string() }),
      response: { contentType: 'application/gzip' },
    }),
    async (c) => {
      const { group, day, part } = c.req.valid('query');
      const body = await jobs.part(c.req.valid('param').name, group, day, part);
      if (!body) throw notFound('archive object', `${group} ${day} ${part}`);
      const type = part.endsWith('.gz') ? 'application/gzip' : 'application/json';
      return new Response(body as unknown as ReadableStream, { headers: { 'content-type': type } });
    },
  );
}
