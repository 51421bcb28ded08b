/**
 * The Healthchecks Management API (v1, v2 and v3 paths, v3 semantics) over
 * Tocsin heartbeats, so Healthchecks' scripts and API clients move by
 * changing the host. Authentication is Healthchecks': an `X-Api-Key` header
 * (or `api_key` in a POST body) holding a Tocsin API token. An admin token
 * is Healthchecks' read-write key; a read token its read-only key (GETs
 * only; checks then show `unique_key` instead of `uuid` and URLs). Errors
 * are Healthchecks' `{"error": "..."}` bodies with its status codes.
 *
 * These routes are outside the OpenAPI document: they follow Healthchecks'
 * contract, not Tocsin's bearer-token one.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { TocsinError, httpStatusOf } from '../core/errors.js';
import type { App, AppEnv } from '../http/route-kit.js';
import { scopeAllows, type TokenService } from '../tokens/token-service.js';
import { checkOf, hcTime, parseHcSpec, pingOf } from './hc-api-mapping.js';
import { HcApiService } from './hc-api-service.js';
import type { HeartbeatEntry } from './heartbeat-registry.js';
import type { HeartbeatService } from './heartbeat-service.js';

const PINGS_LIMIT = 1000;
const MAX_FLIP_SECONDS = 31_536_000;
const MAX_TIMESTAMP = 10_000_000_000;

type C = Context<AppEnv>;
interface Access {
  readonly: boolean;
  body: Record<string, unknown>;
}

const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'X-Api-Key',
  'access-control-max-age': '600',
};

function fail(c: C, status: number, error: string): Response {
  return c.json({ error }, status as ContentfulStatusCode, cors);
}

/** Reads the body and key as Healthchecks does; a Response is the refusal. */
async function authorize(c: C, tokens: TokenService, write: boolean): Promise<Access | Response> {
  let body: Record<string, unknown> = {};
  if (c.req.method === 'POST') {
    const raw = await c.req.text();
    if (raw !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return fail(c, 400, 'could not parse request body');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return fail(c, 400, 'json validation error: value is not an object');
      body = parsed as Record<string, unknown>;
    }
  }
  const header = c.req.header('x-api-key');
  const key = header ?? (c.req.method === 'POST' && body.api_key !== undefined ? String(body.api_key) : '');
  if (key === '') return fail(c, 401, 'missing api key');
  const principal = await tokens.authenticate(key);
  if (!principal) return fail(c, 401, 'wrong api key');
  if (scopeAllows(principal.scope, 'write')) return { readonly: false, body };
  if (principal.scope === 'read' && !write) return { readonly: true, body };
  const need = write
    ? "the 'write' or 'admin' scope (Healthchecks' read-write key)"
    : "the 'read', 'write' or 'admin' scope";
  return fail(c, 401, `wrong api key: this call needs a token with ${need}; this token has '${principal.scope}'`);
}

function errorOf(c: C, err: unknown): Response {
  if (err instanceof TocsinError) return fail(c, httpStatusOf(err.code), err.message);
  throw err;
}

/** `/x/` and `/x` both answer (Healthchecks' paths end in a slash for collections, not for one check). */
function both(path: string): string[] {
  return path.endsWith('/') ? [path, path.slice(0, -1)] : [path, `${path}/`];
}

export function registerHcApiRoutes(
  app: App,
  deps: {
    tokens: TokenService;
    hc: HcApiService;
    heartbeats: HeartbeatService;
    now: () => number;
    publicUrl: () => string;
  },
): void {
  const { tokens, hc, heartbeats, now } = deps;
  const root = '/api/:v{v[123]}';
  const version = (c: C) => Number(c.req.param('v')!.slice(1));
  const apiRoot = (c: C) => `${deps.publicUrl()}/api/v${version(c)}`;

  function render(c: C, e: HeartbeatEntry, readonly: boolean, nPings: number): Record<string, unknown> {
    return checkOf(e, {
      now: now(),
      apiRoot: apiRoot(c),
      pingUrl: heartbeats.view(e).pingUrl,
      nPings,
      readonly,
      version: version(c),
    });
  }
  async function one(c: C, e: HeartbeatEntry, readonly = false): Promise<Record<string, unknown>> {
    return render(c, e, readonly, (await hc.pingCounts([e])).get(e.row.id) ?? 0);
  }

  const declared = new Set<string>();
  /** Declares a route: auth, the check named by `:id` (404 when none), errors as Healthchecks bodies. */
  function on(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    write: boolean,
    handler: (c: C, a: Access, e: HeartbeatEntry | undefined) => Promise<Response>,
    byUniqueKey = false,
  ): void {
    for (const p of both(`${root}${path}`)) declared.add(p);
    app.on(method, both(`${root}${path}`), async (c) => {
      const id = c.req.param('id' as never) as string | undefined;
      if (id !== undefined && !HcApiService.isCheckId(id, byUniqueKey)) return fail(c, 404, 'not found');
      const access = await authorize(c, tokens, write);
      if (access instanceof Response) return access;
      const e = id === undefined ? undefined : hc.find(id, byUniqueKey);
      if (id !== undefined && !e) return fail(c, 404, 'not found');
      try {
        return await handler(c, access, e);
      } catch (err) {
        return errorOf(c, err);
      }
    });
  }

  on('GET', '/checks/', false, async (c, a) => {
    const entries = hc.list(c.req.queries('tag') ?? [], c.req.query('slug'));
    const counts = await hc.pingCounts(entries);
    return c.json({ checks: entries.map((e) => render(c, e, a.readonly, counts.get(e.row.id) ?? 0)) }, 200, cors);
  });
  on('POST', '/checks/', true, async (c, a) => {
    const parsed = parseHcSpec(a.body);
    if ('error' in parsed) return fail(c, 400, parsed.error);
    const { entry, created } = await hc.create(parsed.spec);
    return c.json(await one(c, entry), created ? 201 : 200, cors);
  });
  on('GET', '/checks/:id', false, async (c, a, e) => c.json(await one(c, e!, a.readonly), 200, cors), true);
  on('POST', '/checks/:id', true, async (c, a, e) => {
    const parsed = parseHcSpec(a.body);
    if ('error' in parsed) return fail(c, 400, parsed.error);
    return c.json(await one(c, await hc.update(e!, parsed.spec)), 200, cors);
  });
  on('DELETE', '/checks/:id', true, async (c, _a, e) => {
    const shown = await one(c, e!);
    await hc.remove(e!);
    return c.json(shown, 200, cors);
  });
  on('POST', '/checks/:id/pause', true, async (c, _a, e) => c.json(await one(c, await hc.pause(e!)), 200, cors));
  on('POST', '/checks/:id/resume', true, async (c, _a, e) => c.json(await one(c, await hc.resume(e!)), 200, cors));
  on('GET', '/checks/:id/pings/', false, async (c, _a, e) => {
    const scheme = deps.publicUrl().startsWith('https:') ? 'https' : 'http';
    const pings = (await hc.pings(e!, PINGS_LIMIT)).map((p) =>
      pingOf(p, `${apiRoot(c)}/checks/${e!.row.pingUuid}`, scheme),
    );
    return c.json({ pings }, 200, cors);
  });
  on('GET', '/checks/:id/pings/:n/body', false, async (c, _a, e) => {
    const n = c.req.param('n' as never) as string;
    const body = /^\d{1,16}$/.test(n) ? await hc.pingBody(e!, Number(n)) : undefined;
    if (body === undefined) return fail(c, 404, 'not found');
    return c.body(body, 200, { ...cors, 'content-type': 'text/plain; charset=utf-8' });
  });
  on(
    'GET',
    '/checks/:id/flips/',
    false,
    async (c, _a, e) => {
      const range = flipRange(c.req.query('seconds'), c.req.query('start'), c.req.query('end'), now());
      if (typeof range === 'string') return fail(c, 400, range);
      const flips = await hc.flips(e!, range.from, range.to);
      return c.json({ flips: flips.map((f) => ({ timestamp: hcTime(f.at), up: f.up })) }, 200, cors);
    },
    true,
  );
  on('GET', '/channels/', false, async (c) => c.json({ channels: await hc.channels() }, 200, cors));
  app.on('OPTIONS', both(`${root}/*`), (c) =>
    c.body(null, 204, { ...cors, 'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS' }),
  );
  for (const p of declared) app.all(p, (c) => fail(c, 405, `method ${c.req.method} is not allowed here`));
  app.all(`${root}/*`, (c) => fail(c, 404, 'not found'));
}

/**
 * Healthchecks' flip filters: `seconds` (0–31536000), `start` and `end` (UNIX times); an error message names the
 * field.
 */
export function flipRange(
  seconds: string | undefined,
  start: string | undefined,
  end: string | undefined,
  now: number,
): { from: number; to: number } | string {
  const int = (v: string) => (/^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN);
  let from = 0;
  let to = Number.MAX_SAFE_INTEGER;
  for (const [field, value, max] of [
    ['start', start, MAX_TIMESTAMP],
    ['end', end, MAX_TIMESTAMP],
    ['seconds', seconds, MAX_FLIP_SECONDS],
  ] as const) {
    if (value === undefined || value === '') continue;
    const n = int(value);
    if (!Number.isSafeInteger(n) || n < 0 || n > max) return `${field}: must be an integer between 0 and ${max}`;
    if (field === 'start') from = Math.max(from, n * 1000);
    if (field === 'end') to = n * 1000;
    if (field === 'seconds') from = Math.max(from, now - n * 1000);
  }
  return { from, to };
}
