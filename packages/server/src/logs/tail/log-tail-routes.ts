/**
 * `GET /api/logs/tail`: the server-sent event stream of the log events that a
 * filter matches, as they are accepted (see log-tail-hub.ts). The body is a
 * pull-driven ReadableStream: the node adapter reads it only as the socket
 * drains, so a slow client's matches wait in its bounded queue, not here.
 */
import { z } from 'zod';
import { logGroupNameSchema, logLimits } from '@tocsin/protocol';
import { TocsinError } from '../../core/errors.js';
import { handle, route, type App } from '../../http/route-kit.js';
import { LIVE_HEADERS } from '../../live/live-routes.js';
import type { TokenService } from '../../tokens/token-service.js';
import { compileFilterPattern, type FilterPattern } from '../filter-pattern.js';
import { type LogTail, type LogTailHub, type TailFilter, minLevelOf } from './log-tail-hub.js';

export const logTailQuerySchema = z
  .object({
    /** Every group when omitted. */
    group: logGroupNameSchema.optional(),
    /** A CloudWatch filter pattern; every event when omitted or ''. */
    pattern: z.string().max(1024).default(''),
    source: z.string().min(1).max(logLimits.sourceLength).optional(),
    /** The lowest level shown: a level word (`warn`, `ERROR`) or a severity number 1–24. */
    level: z.string().min(1).max(logLimits.levelTextLength).optional(),
  })
  .strict();

function compiledPattern(text: string): FilterPattern | undefined {
  if (text.trim() === '') return undefined;
  try {
    return compileFilterPattern(text);
  } catch (err) {
    if (!(err instanceof TocsinError)) throw err;
    const position = (err.details as { position?: number } | undefined)?.position;
    throw new TocsinError('validation_failed', `pattern: ${err.message}`, {
      issues: [{ path: 'pattern', message: err.message }],
      ...(position === undefined ? {} : { position }),
    });
  }
}

/** The tail's filter from validated query parameters; a bad pattern or level is a 400 naming it. */
export function tailFilterOf(q: z.output<typeof logTailQuerySchema>): TailFilter {
  const filter: TailFilter = {};
  if (q.group !== undefined) filter.group = q.group;
  if (q.source !== undefined) filter.source = q.source;
  if (q.level !== undefined) {
    const minLevel = minLevelOf(q.level);
    if (minLevel === undefined)
      throw new TocsinError(
        'validation_failed',
        `level: '${q.level}' is not a level: use trace, debug, info, warn, error, fatal or a number 1–24`,
        { issues: [{ path: 'level', message: 'not a level word or a severity number 1–24' }] },
      );
    filter.minLevel = minLevel;
  }
  const pattern = compiledPattern(q.pattern);
  if (pattern) filter.pattern = pattern;
  return filter;
}

/** A tail over a pull-driven body; `onCancel` runs when the client goes away. */
function tailBody(
  hub: LogTailHub,
  filter: TailFilter,
  onCancel: (t: LogTail) => void,
): { tail: LogTail; body: ReadableStream<Uint8Array> } | undefined {
  let tail: LogTail | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  // A stream the client cancelled is closed already: what would write to it or end it does nothing.
  const guarded = (act: () => void) => {
    if (done) return;
    try {
      act();
    } catch {
      done = true;
    }
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        tail?.pull();
      },
      cancel() {
        done = true;
        if (tail) onCancel(tail);
      },
    },
    // No queue of its own: bytes are enqueued only when the reader asks for them.
    { highWaterMark: 0 },
  );
  tail = hub.open(filter, {
    write: (bytes) => guarded(() => controller.enqueue(bytes)),
    end: () =>
      guarded(() => {
        done = true;
        controller.close();
      }),
  });
  if (!tail) {
    void body.cancel();
    return undefined;
  }
  return { tail, body };
}

export function registerLogTailRoutes(app: App, tokens: TokenService, hub: LogTailHub): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/logs/tail',
      scope: 'read',
      summary:
        'Server-sent events of the log events accepted from now on that match: `event: log` (the event), ' +
        '`event: dropped` ({count}) when the client fell behind and matches were left out, `: ping` every 15 s',
      tags: ['logs'],
      query: logTailQuerySchema,
      response: { contentType: 'text/event-stream', schema: z.string(), description: 'An event stream' },
    }),
    (c) => {
      const filter = tailFilterOf(c.req.valid('query'));
      const opened = tailBody(hub, filter, (t) => hub.forget(t));
      if (!opened)
        throw new TocsinError('rate_limited', 'this node holds as many live tails as it may; retry later', {
          retryAfterSeconds: 30,
        });
      // The request's own end (the client aborted) also frees the tail on in-process requests.
      c.req.raw.signal?.addEventListener('abort', () => hub.forget(opened.tail));
      return new Response(opened.body, { status: 200, headers: LIVE_HEADERS });
    },
  );
}
