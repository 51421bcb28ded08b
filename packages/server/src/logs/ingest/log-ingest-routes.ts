/**
 * The HTTP ingest routes of the log formats with a decoder (decoders/): `POST /api/logs` (Tocsin's model, NDJSON
 * or a JSON array), `POST /v1/logs` (OTLP/HTTP, JSON or protobuf, answered in the request's encoding with OTLP's
 * partial success) and `POST /loki/api/v1/push` (Loki's push API, JSON or snappy protobuf, 204 as Loki answers,
 * errors as Loki's plain text). Every route takes an API token with the `ingest` scope (also as the basic auth
 * password), a body within TOCSIN_LOGS_MAX_BODY_BYTES, and optionally gzip.
 */
import { DEFAULT_LOG_GROUP, type LogEvent, logEventInputSchema } from '@tocsin/protocol';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { TocsinError } from '../../core/errors.js';
import { type App, type AppEnv, handle, route } from '../../http/route-kit.js';
import { statusAnswers } from '../../metrics/otlp-routes.js';
import type { TokenService } from '../../tokens/token-service.js';
import { GROUP_HEADER, headerOf, isProtobuf, mediaTypeOf } from '../decoders/log-decoder.js';
import { lokiPushDecoder } from '../decoders/loki-push-decoder.js';
import { encodeExportLogsResponse } from '../decoders/otlp-logs-proto.js';
import { otlpLogsDecoder, partialSuccessOf } from '../decoders/otlp-logs-decoder.js';
import { tocsinNdjsonDecoder } from '../decoders/tocsin-ndjson-decoder.js';
import { headersOf, type IngestRouteDeps, originOf, readLogBody, senderOf } from './ingest-route-kit.js';

const PROTOBUF = 'application/x-protobuf';
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'text/plain', 'application/json', '']);
/** Marks, while decoding, the events of a body that named no group themselves (they are routed, then `default`). */
const UNNAMED = '\u0000unnamed';

const answerSchema = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), line: z.number().int().optional(), reason: z.string() })),
  dropped: z.record(z.string(), z.number().int()),
});

/** Every error answer of the Loki route as Loki gives it: the status with the reason as plain text. */
const lokiErrors: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.status < 400) return;
  let message: string | undefined;
  try {
    message = ((await c.res.clone().json()) as { error?: { message?: string } }).error?.message;
  } catch {
    // Not this server's JSON envelope: left as it is.
  }
  if (message === undefined) return;
  const headers = new Headers({ 'content-type': 'text/plain; charset=utf-8' });
  const retry = c.res.headers.get('retry-after');
  if (retry) headers.set('retry-after', retry);
  const status = c.res.status;
  c.res = undefined;
  c.res = new Response(`${message}\n`, { status, headers });
};

/** The events that had no group of their own: given `default` unless routing finds them one. */
function unnamedOf(events: LogEvent[]): Set<LogEvent> {
  const unnamed = new Set<LogEvent>();
  for (const e of events)
    if (e.group === UNNAMED) {
      e.group = DEFAULT_LOG_GROUP;
      unnamed.add(e);
    }
  return unnamed;
}

function registerNdjson(app: App, tokens: TokenService, deps: IngestRouteDeps): void {
  const spec = route(tokens, {
    method: 'post',
    path: '/api/logs',
    scope: 'ingest',
    summary:
      'Log events of the Tocsin model: NDJSON (application/x-ndjson or text/plain) or a JSON array ' +
      `(application/json), optionally gzipped; ${GROUP_HEADER} names the group of events that name none.`,
    tags: ['logs'],
    body: logEventInputSchema.describe('one event; a JSON array of them, or NDJSON: one a line'),
    otherBodyTypes: { 'application/x-ndjson': z.string().describe('one event (the JSON schema) a line') },
    bodyCheckedByHandler: true,
    rawBody: true,
    basicAuth: true,
    response: { schema: answerSchema, description: 'accepted, the first 100 rejected lines and the dropped counts' },
  });
  handle(app, spec, async (c) => {
    const type = mediaTypeOf(headersOf(c));
    if (!NDJSON_TYPES.has(type))
      throw new TocsinError(
        'unsupported_media_type',
        `Content-Type: send application/x-ndjson, text/plain or application/json, not '${type}'`,
      );
    const { body, rawBytes } = await readLogBody(c, deps, 'tocsin-ndjson');
    const headers = headersOf(c);
    const named = headerOf(headers, GROUP_HEADER) !== undefined;
    const decoded = tocsinNdjsonDecoder.decode(body, named ? headers : { ...headers, [GROUP_HEADER]: UNNAMED }, {
      now: deps.now(),
    });
    const unnamed = named ? new Set<LogEvent>() : unnamedOf(decoded.events);
    const answer = deps.service.ingest({
      format: 'tocsin-ndjson',
      events: decoded.events,
      rejected: decoded.rejected,
      bytes: rawBytes,
      ...senderOf(c),
      origin: originOf(c),
      explicit: (e) => !unnamed.has(e),
    });
    return c.json(answer);
  });
}

function registerOtlp(app: App, tokens: TokenService, deps: IngestRouteDeps): void {
  app.use('/v1/logs', statusAnswers);
  const spec = route(tokens, {
    method: 'post',
    path: '/v1/logs',
    scope: 'ingest',
    summary:
      'OTLP/HTTP logs: an ExportLogsServiceRequest as protobuf (application/x-protobuf) or JSON, optionally ' +
      'gzipped; answered in the same encoding, with partial success as OTLP specifies.',
    tags: ['logs'],
    body: z.looseObject({ resourceLogs: z.array(z.looseObject({})).optional() }),
    bodyCheckedByHandler: true,
    rawBody: true,
    basicAuth: true,
  });
  handle(app, spec, async (c) => {
    const headers = headersOf(c);
    const type = mediaTypeOf(headers);
    const protobuf = isProtobuf(headers);
    if (!protobuf && type !== 'application/json')
      throw new TocsinError(
        'unsupported_media_type',
        `Content-Type: send ${PROTOBUF} or application/json, not '${type}'`,
      );
    const { body, rawBytes } = await readLogBody(c, deps, 'otlp-logs');
    const decoded = otlpLogsDecoder.decode(body, headers, { now: deps.now(), maxBytes: deps.caps.maxInflatedBytes });
    const named = headerOf(headers, GROUP_HEADER) !== undefined;
    deps.service.ingest({
      format: 'otlp-logs',
      events: decoded.events,
      rejected: decoded.rejected,
      bytes: rawBytes,
      ...senderOf(c),
      origin: originOf(c),
      explicit: () => named,
    });
    const partialSuccess = partialSuccessOf(decoded);
    if (!protobuf) return c.json(partialSuccess ? { partialSuccess } : {});
    return new Response(encodeExportLogsResponse(partialSuccess), {
      status: 200,
      headers: { 'content-type': PROTOBUF },
    });
  });
}

function registerLoki(app: App, tokens: TokenService, deps: IngestRouteDeps): void {
  app.use('/loki/api/v1/push', lokiErrors);
  const spec = route(tokens, {
    method: 'post',
    path: '/loki/api/v1/push',
    scope: 'ingest',
    summary:
      "Loki's push API: JSON (application/json, optionally gzipped) or a snappy-compressed protobuf PushRequest " +
      '(any other Content-Type, as Loki reads it); 204 when every entry was taken, else 400 with the reasons.',
    tags: ['logs'],
    body: z.looseObject({ streams: z.array(z.looseObject({})) }),
    bodyCheckedByHandler: true,
    rawBody: true,
    basicAuth: true,
    response: { status: 204, description: 'every entry was taken' },
  });
  handle(app, spec, async (c) => {
    const headers = headersOf(c);
    // Loki reads any Content-Type other than JSON as its protobuf.
    const json = mediaTypeOf(headers) === 'application/json';
    const { body, rawBytes } = await readLogBody(c, deps, 'loki-push');
    const decoded = lokiPushDecoder.decode(
      body,
      { ...headers, 'content-type': json ? 'application/json' : PROTOBUF },
      { now: deps.now(), maxBytes: deps.caps.maxInflatedBytes },
    );
    const named = headerOf(headers, GROUP_HEADER) !== undefined;
    deps.service.ingest({
      format: 'loki-push',
      events: decoded.events,
      rejected: decoded.rejected,
      bytes: rawBytes,
      ...senderOf(c),
      origin: originOf(c),
      explicit: () => named,
    });
    if (decoded.rejected.length) {
      // As Loki's distributor: the valid entries are kept, the answer is 400 with why the others were not.
      const reasons = [...new Set(decoded.rejected.map((r) => r.reason))].slice(0, 5).join('; ');
      const n = decoded.rejected.length;
      throw new TocsinError('bad_request', `${n} of ${n + decoded.events.length} entries rejected: ${reasons}`);
    }
    return c.body(null, 204);
  });
}

export function registerLogIngestRoutes(app: App, tokens: TokenService, deps: IngestRouteDeps): void {
  registerNdjson(app, tokens, deps);
  registerOtlp(app, tokens, deps);
  registerLoki(app, tokens, deps);
}
