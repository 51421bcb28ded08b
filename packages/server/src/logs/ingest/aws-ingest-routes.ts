/**
 * AWS's ways of delivering CloudWatch Logs without a hand-written Lambda:
 * - `POST /api/logs/cloudwatch`: a subscription payload as a Lambda or Kinesis event carries it
 *   (`{"awslogs":{"data":base64(gzip)}}`, `{"Records":[{"kinesis":{"data":…}}]}`) or the raw gzip body a forwarder
 *   posts; a CONTROL_MESSAGE (CloudWatch probing the destination) is answered 200 and stores nothing. Bearer token
 *   (or basic auth password) with the `ingest` scope.
 * - `POST /api/logs/firehose`: Amazon Data Firehose's HTTP endpoint protocol; the access key configured on the
 *   stream is an API token with the `ingest` scope, looked up by its hash (no comparison that leaks its bytes). The
 *   answer is exactly `{requestId, timestamp}` with 200, else the status with `errorMessage` added (Firehose
 *   retries any non-200, with Retry-After honoured for 429 and 503).
 */
import { DEFAULT_LOG_GROUP } from '@tocsin/protocol';
import type { Context } from 'hono';
import { z } from 'zod';
import { TocsinError, httpStatusOf } from '../../core/errors.js';
import { readCappedBody } from '../../http/request-body.js';
import { type App, handle, route } from '../../http/route-kit.js';
import { scopeAllows, type TokenService } from '../../tokens/token-service.js';
import { decodeSubscriptionBody } from '../aws/cloudwatch-subscription.js';
import {
  decodeFirehoseRequest,
  firehoseAnswer,
  firehoseErrorAnswer,
  firehoseRequestIdOf,
} from '../aws/firehose-endpoint.js';
import { GROUP_HEADER, headerOf } from '../decoders/log-decoder.js';
import { type IngestRouteDeps, headersOf, originOf, readLogBody, senderOf } from './ingest-route-kit.js';
import { eventOfShape } from './shape-event.js';

const FIREHOSE_DEFAULT_GROUP = 'firehose';

function registerCloudWatch(app: App, tokens: TokenService, deps: IngestRouteDeps): void {
  const spec = route(tokens, {
    method: 'post',
    path: '/api/logs/cloudwatch',
    scope: 'ingest',
    summary:
      'A CloudWatch Logs subscription payload: {"awslogs":{"data":…}} (Lambda), {"Records":[{"kinesis":…}]} or ' +
      'the raw gzip bytes; the group is the CloudWatch log group unless routed or named by ' +
      `${GROUP_HEADER}. A CONTROL_MESSAGE is answered and stores nothing.`,
    tags: ['logs'],
    body: z.looseObject({ awslogs: z.object({ data: z.string() }).optional() }),
    bodyCheckedByHandler: true,
    rawBody: true,
    basicAuth: true,
  });
  handle(app, spec, async (c) => {
    const { body, rawBytes } = await readLogBody(c, deps, 'cloudwatch');
    const now = deps.now();
    const batches = decodeSubscriptionBody(body, now);
    const named = headerOf(headersOf(c), GROUP_HEADER);
    const events = batches.flatMap((b) =>
      b.events.map((e) => eventOfShape(named ? { ...e, group: named } : e, DEFAULT_LOG_GROUP)),
    );
    const control = batches.filter((b) => b.control).length;
    const answer = deps.service.ingest({
      format: 'cloudwatch',
      events,
      rejected: [],
      bytes: rawBytes,
      ...senderOf(c),
      origin: originOf(c),
      explicit: () => named !== undefined,
    });
    return c.json({ ...answer, controlMessages: control });
  });
}

/** The Firehose answer of an error: its status (Retry-After for 429/503) and Firehose's error body. */
function firehoseError(c: Context, err: unknown, requestId: string, now: number): Response {
  if (!(err instanceof TocsinError)) throw err;
  const headers: Record<string, string> = {};
  const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof retry === 'number') headers['retry-after'] = String(retry);
  return c.json(firehoseErrorAnswer(requestId, now, err.message), httpStatusOf(err.code) as 400, headers);
}

async function firehosePrincipal(tokens: TokenService, key: string | undefined) {
  if (!key) throw new TocsinError('unauthorized', 'X-Amz-Firehose-Access-Key: set an API token as the access key');
  const principal = await tokens.authenticate(key);
  if (!principal) throw new TocsinError('unauthorized', 'X-Amz-Firehose-Access-Key is not a valid API token');
  if (!scopeAllows(principal.scope, 'ingest'))
    throw new TocsinError('forbidden', `the access key's token has the '${principal.scope}' scope, not 'ingest'`);
  return principal;
}

function registerFirehose(app: App, tokens: TokenService, deps: IngestRouteDeps): void {
  const spec = route(tokens, {
    method: 'post',
    path: '/api/logs/firehose',
    scope: 'public',
    summary:
      "Amazon Data Firehose's HTTP endpoint delivery (protocol 1.0): the access key is an API token with the " +
      "ingest scope; records are CloudWatch Logs subscription payloads or lines (group 'firehose').",
    tags: ['logs'],
    body: z.looseObject({ requestId: z.string(), timestamp: z.number(), records: z.array(z.looseObject({})) }),
    bodyCheckedByHandler: true,
    rawBody: true,
    response: { schema: z.object({ requestId: z.string(), timestamp: z.number() }) },
  });
  handle(app, spec, async (c) => {
    const header = (name: string) => c.req.header(name);
    const requestId = firehoseRequestIdOf(header);
    try {
      const principal = await firehosePrincipal(tokens, header('x-amz-firehose-access-key'));
      let raw: Buffer;
      try {
        raw = await readCappedBody(c, deps.caps.maxBytes);
      } catch (err) {
        if (err instanceof TocsinError) deps.service.refused('too_large', 'firehose');
        throw err;
      }
      const now = deps.now();
      const request = decodeFirehoseRequest(header, raw, now, deps.caps.maxInflatedBytes);
      const named = headerOf(headersOf(c), GROUP_HEADER);
      deps.service.ingest({
        format: 'firehose',
        events: request.events.map((e) => eventOfShape(named ? { ...e, group: named } : e, FIREHOSE_DEFAULT_GROUP)),
        rejected: request.rejected,
        bytes: raw.length,
        sender: principal.tokenId ?? principal.name,
        tokenId: principal.tokenId,
        origin: originOf(c),
        explicit: () => named !== undefined,
      });
      return c.json(firehoseAnswer(request.requestId, now));
    } catch (err) {
      return firehoseError(c, err, requestId, deps.now());
    }
  });
}

export function registerAwsIngestRoutes(app: App, tokens: TokenService, deps: IngestRouteDeps): void {
  registerCloudWatch(app, tokens, deps);
  registerFirehose(app, tokens, deps);
}
