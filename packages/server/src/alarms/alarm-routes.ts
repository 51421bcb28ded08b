import { z } from 'zod';
import { alarmInputSchema, compositeAlarmInputSchema } from '@tocsin/protocol';
import { exists, handle, nameParam, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import { redactedSpec } from './alarm-actions.js';
import type { AlarmEntry, AlarmService } from './alarm-service.js';

const tags = ['alarms'];

/**
 * For the OpenAPI document: a metric alarm, or a composite one (with `rule`); the service checks it and names each
 * wrong field.
 */
const alarmBody = z.union([alarmInputSchema, compositeAlarmInputSchema]);
const alarmPutBody = z.union([putBodyDoc(alarmInputSchema), putBodyDoc(compositeAlarmInputSchema)]);
const stateBody = z
  .object({
    state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']).describe('The state to set'),
    reason: z.string().min(1).max(1024).describe('Why, as shown in the history and the notifications'),
  })
  .strict();

function view(e: AlarmEntry) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    name: e.spec.name,
    state: e.state,
    reason: e.reason,
    stateChangedAt: iso(e.stateChangedAt),
    evaluatedAt: iso(e.evaluatedAt),
    spec: redactedSpec(e.spec),
  };
}

export function registerAlarmRoutes(app: App, tokens: TokenService, alarms: AlarmService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/alarms',
      scope: 'read',
      summary: 'List alarms with their state and reason',
      tags,
    }),
    (c) => c.json({ alarms: alarms.list().map(view) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/alarms',
      scope: 'write',
      summary: 'Create an alarm (starts INSUFFICIENT_DATA)',
      tags,
      body: alarmBody,
      bodyCheckedByHandler: true,
      response: { status: 201 },
    }),
    async (c) => c.json(view(await alarms.create(alarms.parse(await c.req.json()))), 201),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/alarms/{name}',
      scope: 'read',
      summary: 'Read an alarm',
      tags,
      params: nameParam,
    }),
    (c) => c.json(view(alarms.get(c.req.valid('param').name))),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/alarms/{name}',
      scope: 'write',
      summary: 'Create or replace an alarm (named by the path)',
      tags,
      params: nameParam,
      body: alarmPutBody,
      bodyCheckedByHandler: true,
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const spec = alarms.parse(namedByPath(await c.req.json(), name));
      if (!(await exists(() => alarms.get(name)))) return c.json(view(await alarms.create(spec)), 201);
      return c.json(view(await alarms.replace(name, spec)));
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/alarms/{name}',
      scope: 'write',
      summary: 'Delete an alarm and its history',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await alarms.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/alarms/{name}/history',
      scope: 'read',
      summary: 'State changes and actions, newest first',
      tags,
      params: nameParam,
    }),
    async (c) => c.json({ history: await alarms.history(c.req.valid('param').name) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/alarms/{name}/state',
      scope: 'write',
      summary: 'Set the state by hand until the next evaluation (actions run)',
      tags,
      params: nameParam,
      body: stateBody,
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(view(await alarms.setState(c.req.valid('param').name, body.state, body.reason)));
    },
  );
}
