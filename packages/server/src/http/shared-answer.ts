/**
 * Answers built once and sent to many: a body with its ETag, compressed at most once per encoding, and sent with a
 * 304 to a client that has it. The public status pages are answered from these (a spike of visitors costs no
 * build and no compression each), and so is a large read every open dashboard makes on a timer (`SharedAnswer`).
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { Clock } from '../core/clock.js';
import { chooseEncoding, compressBody } from './compress-response.js';

export interface Body {
  body: string;
  etag: string;
  /** The body compressed, each encoding once. */
  encoded?: Map<'br' | 'gzip', Promise<Uint8Array<ArrayBuffer>>>;
}

/** Bodies this small are sent as they are. */
const COMPRESS_FROM_BYTES = 1024;

export function bodyOf(body: string): Body {
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"` };
}

/** The body in `encoding`, compressed the first time it is asked for; undefined when it is not worth it. */
export function encodedBody(b: Body, encoding: 'br' | 'gzip'): Promise<Uint8Array<ArrayBuffer>> | undefined {
  if (b.body.length < COMPRESS_FROM_BYTES) return undefined;
  b.encoded ??= new Map();
  let out = b.encoded.get(encoding);
  if (!out) {
    out = compressBody(Buffer.from(b.body), encoding, 'once').then((z) => new Uint8Array(z));
    b.encoded.set(encoding, out);
  }
  return out;
}

/**
 * Sends a built body, compressed when the client accepts it; each encoding has an ETag of its own, as its bytes
 * differ, and a client that has the bytes gets a 304.
 */
export async function sendBody(
  c: Context,
  b: Body,
  contentType: string,
  cacheControl: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  const encoding = chooseEncoding(c.req.header('accept-encoding'));
  const encoded = encoding && c.req.method !== 'HEAD' ? encodedBody(b, encoding) : undefined;
  const etag = encoded ? `${b.etag.slice(0, -1)}-${encoding}"` : b.etag;
  const headers: Record<string, string> = { etag, 'cache-control': cacheControl, vary: 'Accept-Encoding', ...extra };
  const inm = c.req.header('if-none-match');
  if (inm?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return c.body(null, 304, headers);
  if (!encoded) return c.body(b.body, 200, { 'content-type': contentType, ...headers });
  return c.body(await encoded, 200, { 'content-type': contentType, 'content-encoding': encoding!, ...headers });
}

/**
 * One JSON answer shared by every client for `maxAgeMs`: built (synchronously, from memory) by the first request
 * after it is older than that, then sent as the same bytes to all.
 */
export class SharedAnswer {
  private current?: { at: number; body: Body };

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    private readonly build: () => unknown,
  ) {}

  send(c: Context): Promise<Response> {
    const now = this.clock.now();
    if (!this.current || now - this.current.at >= this.maxAgeMs)
      this.current = { at: now, body: bodyOf(JSON.stringify(this.build())) };
    return sendBody(c, this.current.body, 'application/json', 'no-cache');
  }
}
