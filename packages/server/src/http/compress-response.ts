/**
 * Compresses large JSON answers for clients that accept it: the monitor list is 4.3 MB at 10,000 monitors, and a
 * dashboard loads it on every visit. Only JSON of at least COMPRESS_MIN_BYTES is compressed (a small answer
 * gains nothing and costs a pass); never the live stream (text/event-stream, written as it goes), nor the ping
 * fast path (answered before Hono, in http-server.ts). zlib runs asynchronously, on libuv's thread pool, never
 * with the sync API on the request path. Brotli is preferred when accepted, at quality 1, and gzip at level 1:
 * the fast settings. On the 4.3 MB monitor list (10k monitors, bench/live) br q1 takes about 1.5 ms of CPU for
 * 30 kB, q4 6.5 ms for 21 kB, q11 900 ms; gzip -1 about 10 ms for 53 kB. For a dashboard on the same machine the
 * bytes saved matter less than the CPU, so the fast levels.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

export const COMPRESS_MIN_BYTES = 8 * 1024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface CompressOptions {
  minBytes?: number;
  /** Brotli quality 0-11. */
  brotliQuality?: number;
  /** gzip level 1-9. */
  gzipLevel?: number;
}

/** The encoding to answer with, from Accept-Encoding (`q=0` refuses one). */
export function chooseEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  if (!accept) return undefined;
  const accepted = new Set<string>();
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return undefined;
}

/** `plain` compressed with `encoding` (asynchronously); for answers built once and sent many times, a higher level. */
export function compressBody(plain: Buffer, encoding: 'br' | 'gzip', level: 'fast' | 'once' = 'fast'): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(plain, { level: level === 'fast' ? 1 : 6 });
  return brotli(plain, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: level === 'fast' ? 1 : 5,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
    },
  });
}

export function compressResponse(options: CompressOptions = {}): MiddlewareHandler {
  const minBytes = options.minBytes ?? COMPRESS_MIN_BYTES;
  const quality = options.brotliQuality ?? 1;
  const level = options.gzipLevel ?? 1;
  return async (c, next) => {
    await next();
    const res = c.res;
    const type = res.headers.get('content-type') ?? '';
    if (!res.body || !/^application\/([\w.-]+\+)?json/i.test(type) || res.headers.has('content-encoding')) return;
    res.headers.append('vary', 'Accept-Encoding');
    const encoding = chooseEncoding(c.req.header('accept-encoding'));
    if (!encoding || c.req.method === 'HEAD') return;
    const plain = Buffer.from(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    let body: Buffer = plain;
    if (plain.length >= minBytes) {
      body =
        encoding === 'br'
          ? await brotli(plain, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: quality,
                [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
                [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
              },
            })
          : await gzipAsync(plain, { level });
      headers.set('content-encoding', encoding);
    }
    headers.set('content-length', String(body.length));
    // Hono copies the old answer's headers onto the new one: drop the length that no longer holds.
    res.headers.delete('content-length');
    c.res = new Response(body, { status: res.status, statusText: res.statusText, headers });
  };
}
