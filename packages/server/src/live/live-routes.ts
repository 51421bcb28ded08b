/**
 * `GET /api/live`: the server-sent event stream of state changes (see live-hub.ts for the fan-out). The body is
 * a ReadableStream whose queue the hub reads as the client's backlog: the node adapter writes it as the socket
 * drains, so a slow client's bytes pile up here, where the hub sees them and drops the stream.
 */
import { z } from 'zod';
import { TocsinError } from '../core/errors.js';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { LiveHub, LiveStream } from './live-hub.js';

export const LIVE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
  // The connection ends with the stream: a shutdown that ends the streams is not held up by idle keep-alives.
  connection: 'close',
};

/** A stream over a ReadableStream's controller; `onCancel` runs when the client goes away. */
function streamBody(onCancel: (s: LiveStream) => void): { stream: LiveStream; body: ReadableStream<Uint8Array> } {
  let stream!: LiveStream;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
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
        stream = {
          get buffered() {
            return Math.max(0, -(controller.desiredSize ?? 0));
          },
          write: (bytes) => guarded(() => controller.enqueue(bytes)),
          end: () =>
            guarded(() => {
              done = true;
              controller.close();
            }),
          drop: () =>
            guarded(() => {
              done = true;
              controller.error(new Error('the live stream fell behind'));
            }),
        };
      },
      cancel() {
        onCancel(stream);
      },
    },
    // No queue of its own: every byte queued is a byte the client has not taken yet.
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
  return { stream, body };
}

export function registerLiveRoutes(app: App, tokens: TokenService, hub: LiveHub, now: () => number): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/live',
      scope: 'read',
      summary:
        'Server-sent events: `hello` first, then `change` ({type, name, state, at, …}) as states change, ' +
        '`resync` when the client must refetch, and a `: ping` comment every 15 s',
      tags: ['live'],
      response: { contentType: 'text/event-stream', schema: z.string(), description: 'An event stream' },
    }),
    (c) => {
      const { stream, body } = streamBody((s) => hub.forget(s));
      if (!hub.open(stream, now()))
        throw new TocsinError('unavailable', 'this node holds as many live streams as it may; retry later');
      // The request's own end (the client aborted) also frees the stream on in-process requests.
      c.req.raw.signal?.addEventListener('abort', () => {
        hub.forget(stream);
        stream.end();
      });
      return new Response(body, { status: 200, headers: LIVE_HEADERS });
    },
  );
}
