/**
 * Serves a directory under a URL prefix straight from node:http (the UI's
 * built files): GET and HEAD, a content type by extension, a weak ETag and
 * Last-Modified with 304 answers. A path that tries to leave the directory
 * (`..` segments, plain or percent-encoded), holds a NUL or a backslash, or
 * does not decode is a 404, as is anything that is not a file.
 *
 * A single-page app's mount (`spa`) leaves excluded prefixes and other methods
 * to the next handler, and answers its fallback file to a page load (a GET
 * that accepts text/html) of a path with no file extension.
 */
import { createReadStream, existsSync, promises as fs, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticMount {
  /** URL prefix, such as `/ui` (a request for the prefix itself serves `index.html`). */
  prefix: string;
  /** The directory served. */
  dir: string;
  /** Headers added to every answer from this mount (security headers). */
  headers?: Record<string, string>;
  /** Files under this path (inside the mount) have content-hashed names: cached for a year, immutable. */
  immutable?: string;
  spa?: {
    /** The file (inside `dir`) a page load of a path with no file gets; without it, requests pass on. */
    fallback: string;
    /** Path prefixes the mount never answers (the API's, the ping URLs'). */
    exclude: readonly string[];
    /**
     * Exact paths the server answers for machines (Prometheus' `/metrics`) that are also a page of the app:
     * a page load of one (a browser's `Accept: text/html`) gets the app; every other request passes on.
     */
    pagesToo?: readonly string[];
  };
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A request handler for node:http: true when the request is under the prefix (and was answered), false otherwise. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The file a URL path names inside `root`, or undefined when the path is not one a client may ask for. */
export function resolveStaticPath(root: string, rest: string): string | undefined {
  if (rest.includes('\0') || rest.includes('\\')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  const file = path.join(root, ...segments, decoded === '' || decoded.endsWith('/') ? 'index.html' : '');
  return file.startsWith(root + path.sep) ? file : undefined;
}

function notFound(res: ServerResponse, extra: Record<string, string>): void {
  const body = JSON.stringify({ error: { code: 'not_found', message: 'no such file' } });
  res.writeHead(404, { ...extra, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function etagOf(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

function notModified(req: IncomingMessage, etag: string, stats: Stats): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Math.floor(stats.mtimeMs / 1000) * 1000 <= since;
}

async function stat(file: string): Promise<Stats | undefined> {
  try {
    const s = await fs.stat(file);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

interface ServeOptions {
  headers?: Record<string, string>;
  immutable?: boolean;
}

async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string | undefined,
  options: ServeOptions = {},
): Promise<void> {
  const stats = file === undefined ? undefined : await stat(file);
  if (!file || !stats) return notFound(res, options.headers ?? {});
  const etag = etagOf(stats);
  const headers = {
    ...options.headers,
    etag,
    'last-modified': stats.mtime.toUTCString(),
    'cache-control': options.immutable ? IMMUTABLE : 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (notModified(req, etag, stats)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': contentTypeOf(file), 'content-length': stats.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Whether a file exists, asked at most once a second per path (a build after start is found without a restart). */
function existsCached(file: string): () => boolean {
  let known = false;
  let askedAt = 0;
  return () => {
    const now = Date.now();
    if (now - askedAt > 1000) {
      known = existsSync(file);
      askedAt = now;
    }
    return known;
  };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Serves `mount.dir` under `mount.prefix`; other paths are left to the next handler. */
export function staticFiles(mount: StaticMount): NodeHandler {
  const prefix = mount.prefix.replace(/\/+$/, '');
  const root = path.resolve(mount.dir);
  const spa = mount.spa;
  const hasFallback = spa ? existsCached(path.join(root, spa.fallback)) : () => false;
  const immutable = mount.immutable === undefined ? undefined : `${prefix}/${mount.immutable.replace(/^\/+/, '')}`;
  return (req, res) => {
    const pathname = pathOf(req.url ?? '/');
    if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) return false;
    const getOrHead = req.method === 'GET' || req.method === 'HEAD';
    if (spa) {
      const page = spa.pagesToo?.includes(pathname) && (req.headers.accept ?? '').includes('text/html');
      const excluded = spa.exclude.some((p) => pathname === p || pathname.startsWith(p.endsWith('/') ? p : `${p}/`));
      if (!getOrHead || (excluded && !page)) return false;
      if (!hasFallback()) return false;
    } else if (!getOrHead) {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
      res.end();
      return true;
    }
    const rest = pathname.slice(prefix.length + 1);
    const options = { headers: mount.headers, immutable: immutable !== undefined && pathname.startsWith(immutable) };
    const lastSegment = rest.slice(rest.lastIndexOf('/') + 1);
    if (spa && !options.immutable && !lastSegment.includes('.')) {
      if (!(req.headers.accept ?? '').includes('text/html')) return false;
      serveFile(req, res, path.join(root, spa.fallback), options).catch(() => res.destroy());
      return true;
    }
    serveFile(req, res, resolveStaticPath(root, rest), options).catch(() => res.destroy());
    return true;
  };
}
