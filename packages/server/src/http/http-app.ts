import { bodyLimit } from 'hono/body-limit';
import { TocsinError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { compressResponse } from './compress-response.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { SESSION_COOKIE, createRouter, type App } from './route-kit.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Routes that cap their bodies themselves (log ingest: TOCSIN_LOGS_MAX_BODY_BYTES, http/request-body.ts). */
export const OWN_BODY_LIMIT_PATHS: ReadonlySet<string> = new Set([
  '/api/logs',
  '/api/logs/cloudwatch',
  '/api/logs/firehose',
  '/v1/logs',
  '/loki/api/v1/push',
]);

/** The Hono app with the error envelope, the body limit and the OpenAPI document wired in. */
export function createHttpApp(logger: Logger, register: (app: App) => void): App {
  const app = createRouter();
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);
  app.use('*', compressResponse());
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new TocsinError('payload_too_large', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    },
  });
  app.use('*', (c, next) => (OWN_BODY_LIMIT_PATHS.has(c.req.path) ? next() : limit(c, next)));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (scopes: admin, write, read, ingest)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'The session cookie of a signed-in user (POST /api/session), with the scope of its role; ' +
      'writes also need the X-CSRF-Token header',
  });
  register(app);
  app.get('/api/openapi.json', (c) =>
    c.json(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Tocsin API',
          version: '1',
          description:
            'Monitoring and alerting server. Send an API token as "Authorization: Bearer <token>", ' +
            'or sign in (POST /api/session) and send the session cookie with the X-CSRF-Token header on writes.',
        },
      }),
    ),
  );
  return app;
}
