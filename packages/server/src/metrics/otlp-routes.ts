/**
 * POST /v1/metrics, OTLP/HTTP as the specification (otlp.md, "OTLP/HTTP")
 * says: a binary protobuf (application/x-protobuf) or JSON
 * (application/json) ExportMetricsServiceRequest, optionally gzipped
 * (Content-Encoding: gzip); the answer is in the request's encoding: an
 * ExportMetricsServiceResponse, with partial_success set only when data
 * points were rejected; a failure (4xx, 5xx) is a google.rpc.Status.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { TocsinError, invalid } from '../core/errors.js';
import { inflateBody } from '../http/request-body.js';
import { jsonValueIssues, parseJsonBody } from '../http/request-guard.js';
import { handle, route, type App, type AppEnv } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { MetricService } from './metric-service.js';
import type { OtlpOptions, OtlpRequest } from './otlp-metrics.js';
import { decodeExportRequest, encodeExportResponse, encodeStatus } from './otlp-proto.js';

const PATH = '/v1/metrics';
const PROTOBUF = 'application/x-protobuf';
/** The most a gzipped body may inflate to (the compressed body is held to the server's body limit). */
export const OTLP_MAX_INFLATED_BYTES = 32 * 1024 * 1024;
/** The header (or query parameter) naming the resource attributes that become dimensions. */
export const RESOURCE_DIMENSIONS_HEADER = 'x-tocsin-resource-dimensions';

type Encoding = 'protobuf' | 'json';

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === PROTOBUF || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/** gRPC's code for an HTTP status, as google.rpc.Status carries it (the specification lets clients ignore it). */
function grpcCode(status: number): number {
  if (status === 401) return 16;
  if (status === 403) return 7;
  if (status === 404) return 5;
  if (status === 413 || status === 429) return 8;
  if (status === 503) return 14;
  return status < 500 ? 3 : 13;
}

/**
 * Turns every error answer of the route (auth, bad data, too large) into a google.rpc.Status in the request's
 * encoding. In JSON the Status's `code` and `message` sit beside Tocsin's own `error` envelope, so both
 * readers find theirs.
 */
export const statusAnswers: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const status = c.res.status;
  if (status < 400) return;
  let envelope: { code?: string; message?: string } | undefined;
  try {
    envelope = ((await c.res.clone().json()) as { error?: { code?: string; message?: string } }).error;
  } catch {
    // Not an answer of this server in JSON: left as it is.
  }
  if (!envelope) return;
  const message = envelope.message ?? (c.res.statusText || `HTTP ${status}`);
  const code = grpcCode(status);
  c.res = undefined;
  c.res =
    encodingOf(c.req.header('content-type')) === 'protobuf'
      ? new Response(encodeStatus(code, message), { status, headers: { 'content-type': PROTOBUF } })
      : Response.json({ code, message, error: envelope }, { status });
};

/**
 * The resource attributes to keep as dimensions: the header, else the query parameter (comma-separated; `*` for all).
 */
export function otlpOptionsOf(c: Context<AppEnv>): OtlpOptions {
  const raw = c.req.header(RESOURCE_DIMENSIONS_HEADER) ?? c.req.query('resourceDimensions') ?? '';
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { resourceDimensions: names.includes('*') ? '*' : names };
}

async function readBody(c: Context<AppEnv>): Promise<Buffer> {
  const raw = Buffer.from(await c.req.arrayBuffer());
  return inflateBody(raw, c.req.header('content-encoding'), OTLP_MAX_INFLATED_BYTES);
}

function parseBody(body: Buffer, encoding: Encoding): OtlpRequest {
  if (encoding === 'protobuf') {
    let decoded: OtlpRequest;
    try {
      decoded = decodeExportRequest(body);
    } catch (err) {
      throw new TocsinError(
        'bad_request',
        `the body is not a protobuf ExportMetricsServiceRequest: ${(err as Error).message}`,
      );
    }
    // The same refusals as a JSON body's: NUL characters (PostgreSQL cannot store them) and deep attribute values.
    const issues = jsonValueIssues(decoded);
    if (issues.length) throw invalid(issues);
    return decoded;
  }
  const parsed = parseJsonBody(body.toString('utf8'));
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TocsinError('bad_request', 'the body must be an ExportMetricsServiceRequest object');
  const rm = (parsed as { resourceMetrics?: unknown }).resourceMetrics;
  if (rm !== undefined && !Array.isArray(rm))
    throw new TocsinError('validation_failed', 'resourceMetrics: an array', {
      issues: [{ path: 'resourceMetrics', message: 'an array' }],
    });
  return parsed as OtlpRequest;
}

export function registerOtlpRoutes(app: App, tokens: TokenService, metrics: MetricService): void {
  app.use(PATH, statusAnswers);
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: PATH,
      scope: 'ingest',
      summary:
        'OTLP/HTTP metrics: an ExportMetricsServiceRequest as protobuf (application/x-protobuf) or JSON, ' +
        'optionally gzipped; answered in the same encoding, with partial success as OTLP specifies. ' +
        `Header ${RESOURCE_DIMENSIONS_HEADER} (or ?resourceDimensions=): ` +
        'resource attributes to keep as dimensions, comma-separated, * for all.',
      tags: ['metrics'],
      body: z
        .looseObject({
          resourceMetrics: z.array(z.looseObject({})).optional().describe('ResourceMetrics, in the OTLP/JSON mapping'),
        })
        .describe('ExportMetricsServiceRequest (OTLP/JSON mapping; application/x-protobuf is taken too)'),
      bodyCheckedByHandler: true,
      rawBody: true,
    }),
    async (c) => {
      const encoding = encodingOf(c.req.header('content-type'));
      if (!encoding) {
        const type = c.req.header('content-type') ?? '';
        const message = `Content-Type: send ${PROTOBUF} or application/json, not '${type}'`;
        return c.json({ error: { code: 'bad_request', message } }, 415);
      }
      const request = parseBody(await readBody(c), encoding);
      const answer = await metrics.putOtlp(request, otlpOptionsOf(c));
      if (encoding === 'json') return c.json(answer);
      return new Response(encodeExportResponse(answer.partialSuccess), {
        status: 200,
        headers: { 'content-type': PROTOBUF },
      });
    },
  );
}
