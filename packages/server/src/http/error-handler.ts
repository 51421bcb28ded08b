import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '@tocsin/protocol';
import { TocsinError, httpStatusOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

function envelope(c: Context, status: number, code: ErrorCode, message: string, details?: unknown): Response {
  return c.json(
    { error: { code, message, ...(details === undefined ? {} : { details }) } },
    status as ContentfulStatusCode,
  );
}

/** The one place errors become HTTP answers, all in the `{"error":{code,message,details}}` envelope. */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof TocsinError) {
      const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if ((err.code === 'rate_limited' || err.code === 'unavailable') && typeof retry === 'number')
        c.header('retry-after', String(retry));
      return envelope(c, httpStatusOf(err.code), err.code, err.message, err.details);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      if (status === 413) return envelope(c, 413, 'payload_too_large', err.message || 'the request body is too large');
      if (status === 415)
        return envelope(
          c,
          415,
          'unsupported_media_type',
          'send the body as JSON with "Content-Type: application/json"',
        );
      if (status === 400) {
        const malformed = /json/i.test(err.message);
        return envelope(
          c,
          400,
          'bad_request',
          malformed ? `the request body is not valid JSON: ${err.message}` : err.message,
        );
      }
      return envelope(
        c,
        status,
        status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : 'bad_request',
        err.message,
      );
    }
    if (err instanceof SyntaxError)
      return envelope(c, 400, 'bad_request', `the request body is not valid JSON: ${err.message}`);
    logger.error('request failed', { method: c.req.method, path: c.req.path, err: err.stack ?? String(err) });
    return envelope(c, 500, 'internal', 'internal error; the server log has the details');
  };
}

export function notFoundHandler(c: Context): Response {
  return envelope(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
}
