import { OpenAPIHono, createRoute, type RouteConfig } from '@hono/zod-openapi';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { apiErrorSchema } from '@tocsin/protocol';
import { TocsinError, fieldIssuesOf, invalid } from '../core/errors.js';
import { requestGuard } from './request-guard.js';
import { scopeAllows, type Principal, type RouteScope, type TokenService } from '../tokens/token-service.js';

export type AppEnv = { Variables: { principal?: Principal } };
export type App = OpenAPIHono<AppEnv>;

/** A new router whose validation failures become 400s that name the field. */
export function createRouter(): App {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalid(fieldIssuesOf(result.error.issues));
    },
  });
}

const errorResponse = { content: { 'application/json': { schema: apiErrorSchema } } };

/** The cookie a signed-in user's session travels in (set by POST /api/session, see users/). */
export const SESSION_COOKIE = 'tocsin_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates the request and checks the route's scope: a bearer token
 * as before, otherwise the session cookie (with its user's role's scope;
 * writes must then carry the session's CSRF token). 401 without either or
 * with one that is not valid, 403 with a weaker scope or without the CSRF token.
 */
export function requireScope(
  tokens: TokenService,
  scope: RouteScope,
  basicAuth = false,
  orScope?: RouteScope,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (scope === 'public') return next();
    const principal = await authenticate(c, tokens, basicAuth);
    if (!scopeAllows(principal.scope, scope) && !(orScope && scopeAllows(principal.scope, orScope))) {
      const who = principal.kind === 'user' ? `user '${principal.name}' has` : 'this token has';
      const needed = orScope ? `the '${scope}' scope or the '${orScope}' scope` : `the '${scope}' scope`;
      throw new TocsinError('forbidden', `this route needs a token with ${needed}; ${who} '${principal.scope}'`);
    }
    c.set('principal', principal);
    return next();
  };
}

async function authenticate(c: Context<AppEnv>, tokens: TokenService, basicAuth: boolean): Promise<Principal> {
  const header = c.req.header('authorization');
  if (header) {
    const basic = basicAuth ? /^Basic\s+(\S+)$/i.exec(header) : null;
    if (basic) {
      // Promtail and Alloy send `basic_auth`: the token is the password, the user name is not read.
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const principal = await tokens.authenticate(decoded.slice(decoded.indexOf(':') + 1));
      if (!principal) throw new TocsinError('unauthorized', 'the basic auth password is not a valid API token');
      return principal;
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new TocsinError('unauthorized', 'send an API token as "Authorization: Bearer <token>"');
    const principal = await tokens.authenticate(match[1]);
    if (!principal) throw new TocsinError('unauthorized', 'this API token is not valid or has been revoked');
    return principal;
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie)
    throw new TocsinError(
      'unauthorized',
      'send an API token as "Authorization: Bearer <token>", or sign in (POST /api/session sets the session cookie)',
    );
  const principal = await tokens.authenticateSession(cookie);
  if (!principal) throw new TocsinError('unauthorized', 'the session has ended: sign in again (POST /api/session)');
  if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(c.req.header(CSRF_HEADER), principal.csrfToken))
    throw new TocsinError(
      'forbidden',
      'a write with the session cookie needs the X-CSRF-Token header: send the csrfToken from GET /api/session',
    );
  return principal;
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The client's address as the socket sees it ('unknown' for in-process requests); a proxy's when behind one. */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head';
  path: string;
  scope: RouteScope;
  summary: string;
  tags: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /**
   * The handler validates the body itself (ingest hot paths, where a fast
   * check precedes the schema); `body` is then documented, not enforced.
   */
  bodyCheckedByHandler?: boolean;
  /**
   * With bodyCheckedByHandler: the handler reads the raw body itself (other
   * encodings than JSON, such as OTLP's protobuf), so the guard checks only
   * the path and query, and the handler parses JSON with parseJsonBody.
   */
  rawBody?: boolean;
  /** The token may also be the password of HTTP basic auth (log shippers such as Promtail and Alloy). */
  basicAuth?: boolean;
  /** A second scope that also opens the route (Alertmanager's API: an ingest token, or a write one). */
  orScope?: RouteScope;
  /** With rawBody: the other Content-Types the body may have, for the document (YAML text for config). */
  otherBodyTypes?: Record<string, z.ZodType>;
  /** The success response; JSON unless `contentType` says otherwise. */
  response?: {
    status?: number;
    schema?: z.ZodType;
    description?: string;
    contentType?: string;
    orCreated?: boolean;
    /** When the route answers 409 `conflict`. */
    conflict?: string;
  };
}

/** One validated part of a request (`param`, `query` or `json`), if the route declares its schema. */
type Part<Target extends string, Schema> = Schema extends z.ZodType ? { [K in Target]: z.output<Schema> } : object;
type BodyPart<S> = S extends { body: infer B } ? Part<'json', B> : object;
/** The body is validated before the handler unless the handler may check it itself. */
type JsonPart<S> = S extends { bodyCheckedByHandler: infer C } ? (true extends C ? object : BodyPart<S>) : BodyPart<S>;

/**
 * What `c.req.valid()` returns in the handler of route `S`: the output types
 * of its params, query and body schemas, and only of those it validates.
 */
export type RouteInput<S extends RouteSpec> = {
  out: (S extends { params: infer P } ? Part<'param', P> : object) &
    (S extends { query: infer Q } ? Part<'query', Q> : object) &
    JsonPart<S>;
};

/** The context a handler of route `S` gets. */
export type RouteContext<S extends RouteSpec> = Context<AppEnv, string, RouteInput<S>>;

declare const specOf: unique symbol;
/** A declared route; it carries its spec's type so that `handle` types the handler. */
export type DeclaredRoute<S extends RouteSpec> = RouteConfig & { readonly [specOf]?: S };

const checkedByHandler = new WeakSet<RouteConfig>();

/**
 * Declares one route: its OpenAPI entry (with the scope it needs, as a
 * bearer scope) and its auth middleware come from the same description.
 */
export function route<S extends RouteSpec>(tokens: TokenService, spec: S): DeclaredRoute<S> {
  const config = declare(tokens, spec);
  if (spec.bodyCheckedByHandler) checkedByHandler.add(config);
  return config;
}

function declare(tokens: TokenService, spec: RouteSpec): RouteConfig {
  const status = spec.response?.status ?? 200;
  const request: RouteConfig['request'] = {};
  if (spec.params) request.params = spec.params;
  if (spec.query) request.query = spec.query;
  if (spec.body) {
    const others = Object.entries(spec.otherBodyTypes ?? {}).map(([type, schema]) => [type, { schema }]);
    const content = { 'application/json': { schema: spec.body }, ...Object.fromEntries(others) };
    request.body = { content, required: true };
  }
  return createRoute({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: spec.tags,
    security:
      spec.scope === 'public'
        ? []
        : [{ bearer: spec.orScope ? [spec.scope, spec.orScope] : [spec.scope] }, { session: [] }],
    middleware: [
      requireScope(tokens, spec.scope, spec.basicAuth, spec.orScope),
      requestGuard(spec.body !== undefined && !spec.rawBody),
    ] as const,
    request,
    responses: {
      [status]: {
        description: spec.response?.description ?? 'OK',
        ...(status === 204
          ? {}
          : {
              content: {
                [spec.response?.contentType ?? 'application/json']: { schema: spec.response?.schema ?? z.any() },
              },
            }),
      },
      ...(spec.response?.orCreated
        ? {
            201: {
              description: 'Created',
              content: { 'application/json': { schema: spec.response.schema ?? z.any() } },
            },
          }
        : {}),
      400: { description: 'Bad input; the message names the field', ...errorResponse },
      ...(spec.scope === 'public'
        ? {}
        : {
            401: { description: 'No valid token or session', ...errorResponse },
            403: { description: 'The token or user lacks the scope, or a CSRF token is missing', ...errorResponse },
          }),
      404: { description: 'Not found', ...errorResponse },
      ...(spec.response?.conflict ? { 409: { description: spec.response.conflict, ...errorResponse } } : {}),
      ...(spec.body
        ? { 415: { description: 'The body is not JSON (send Content-Type: application/json)', ...errorResponse } }
        : {}),
    },
  });
}

/**
 * Registers a handler for a declared route; handlers return plain Responses, and `c.req.valid()` is typed by the route.
 */
export function handle<S extends RouteSpec>(
  app: App,
  config: DeclaredRoute<S>,
  handler: (c: RouteContext<S>) => Promise<Response> | Response,
): void {
  // zod-openapi's typed handler also types the responses, stricter than our loose response schemas need;
  // the input types come from RouteContext, built from the same schemas.
  type Handler = (c: RouteContext<S>) => Promise<Response> | Response;
  const mount = app.openapi as (r: RouteConfig & { hide?: boolean }, h: Handler) => void;
  if (checkedByHandler.has(config)) {
    // Documented as declared; mounted with its auth, path and query checks but without the body validator.
    const { middleware, ...documented } = config;
    app.openAPIRegistry.registerPath(documented);
    const { body, ...request } = config.request ?? {};
    mount.call(app, { ...config, request, hide: true }, handler);
    return;
  }
  mount.call(app, config, handler);
}

export const nameParam = z.object({ name: z.string().min(1).max(256) });

/**
 * The body of a PUT on a named resource, named by the path: a body without
 * a name takes the path's, and a different one is a 400.
 */
export function namedByPath(body: unknown, name: string): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const given = (body as { name?: unknown }).name;
  if (given !== undefined && given !== name)
    throw invalid([
      { path: 'name', message: `must be the name in the path ('${name}'), or left out (got '${String(given)}')` },
    ]);
  return { ...body, name };
}

/** For the document of a PUT body: the fields of `schema`, its name optional (the path gives it). */
export function putBodyDoc(schema: z.ZodObject): z.ZodObject {
  return z.object({ ...schema.shape, name: (schema.shape.name as z.ZodType).optional() }).strict();
}

/** Whether `lookup` finds the resource: false on a not_found error, any other error passes through. */
export async function exists(lookup: () => unknown): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (err) {
    if (err instanceof TocsinError && err.code === 'not_found') return false;
    throw err;
  }
}
