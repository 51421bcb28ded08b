import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { testDatabases } from '../test-support/test-databases.js';
import { TokenService } from '../tokens/token-service.js';
import { createHttpApp } from './http-app.js';
import { handle, nameParam, route, type App } from './route-kit.js';

// The type checks of this file run with the project's typecheck (`npm test` runs it first): a handler's
// c.req.valid() has the output types of its route's schemas, and only the parts the route validates.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

const tags = ['test'];
const itemsQuery = z.object({
  limit: z.coerce.number().int().min(1).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});
const countBody = z.object({ count: z.coerce.number().int(), tag: z.string().default('none') }).strict();

function register(app: App, tokens: TokenService): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/t/{name}/items',
      scope: 'public',
      summary: 'Items',
      tags,
      params: nameParam,
      query: itemsQuery,
    }),
    (c) => {
      const p = c.req.valid('param');
      const q = c.req.valid('query');
      expectType<Equal<typeof p, { name: string }>>();
      expectType<Equal<typeof q, { limit?: number; order?: 'asc' | 'desc' }>>();
      // @ts-expect-error the route declares no body
      c.req.valid('json');
      return c.json({ name: p.name, limit: q.limit ?? null, limitType: typeof q.limit, order: q.order ?? null });
    },
  );
  handle(
    app,
    route(tokens, { method: 'post', path: '/t', scope: 'public', summary: 'Count', tags, body: countBody }),
    (c) => {
      const body = c.req.valid('json');
      expectType<Equal<typeof body, { count: number; tag: string }>>();
      // @ts-expect-error the route declares no path parameters
      c.req.valid('param');
      // @ts-expect-error nor a query
      c.req.valid('query');
      return c.json({ count: body.count, countType: typeof body.count, tag: body.tag });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/t/checked',
      scope: 'public',
      summary: 'Checked by the handler',
      tags,
      body: countBody,
      bodyCheckedByHandler: true,
    }),
    async (c) => {
      // @ts-expect-error the handler checks the body itself, so none is validated
      c.req.valid('json');
      return c.json({ raw: await c.req.json() });
    },
  );
}

const [sqlite] = (await testDatabases()).filter((v) => v.name === 'sqlite');

describe('route kit', () => {
  let http: App;
  let dispose: () => Promise<void>;

  before(async () => {
    const db = await sqlite.create();
    dispose = () => db.dispose();
    const tokens = new TokenService(db.handle.db, systemClock);
    http = createHttpApp(silentLogger, (app) => register(app, tokens));
  });
  after(() => dispose());

  const send = async (method: string, url: string, body?: unknown) => {
    const res = await http.request(
      url,
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };

  it('hands the handler the parsed params and query (coerced as the schema says)', async () => {
    assert.deepEqual(await send('GET', '/t/web/items?limit=5&order=desc'), {
      status: 200,
      json: { name: 'web', limit: 5, limitType: 'number', order: 'desc' },
    });
    assert.deepEqual((await send('GET', '/t/web/items')).json, {
      name: 'web',
      limit: null,
      limitType: 'undefined',
      order: null,
    });
  });

  it('hands the handler the parsed body, defaults applied', async () => {
    assert.deepEqual(await send('POST', '/t', { count: '3' }), {
      status: 200,
      json: { count: 3, countType: 'number', tag: 'none' },
    });
  });

  it('answers bad params, query and body with a 400 naming the field', async () => {
    for (const [method, url, body, field] of [
      ['GET', '/t/web/items?limit=0', undefined, 'limit'],
      ['GET', '/t/web/items?order=up', undefined, 'order'],
      ['POST', '/t', { count: 'x' }, 'count'],
      ['POST', '/t', { count: 1, extra: true }, ''],
    ] as const) {
      const res = await send(method, url, body);
      assert.equal(res.status, 400, `${method} ${url}`);
      assert.equal(res.json.error.code, 'validation_failed');
      assert.equal(res.json.error.details.issues[0].path, field, `${method} ${url}: ${res.json.error.message}`);
    }
  });

  it('leaves the body of a bodyCheckedByHandler route to the handler, and documents it once', async () => {
    assert.deepEqual(await send('POST', '/t/checked', { count: 'x', extra: true }), {
      status: 200,
      json: { raw: { count: 'x', extra: true } },
    });
    const doc = (await send('GET', '/api/openapi.json')).json;
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/t', '/t/checked', '/t/{name}/items']);
    assert.ok(doc.paths['/t/checked'].post.requestBody, 'the body is documented');
  });
});
