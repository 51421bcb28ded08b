/**
 * Whether a URL points at this server's own log ingest: a route (or a
 * subscription) sending there would feed Tocsin its own output, seed 002's
 * infinite loop. The origin mark (log-pipeline.ts) drops what comes back;
 * this refuses the configuration before anything is sent.
 */
import os from 'node:os';

/** The paths that take log lines in (every ingest format's route). */
export const OWN_INGEST_PATHS = [
  '/api/logs',
  '/v1/logs',
  '/loki/api/v1/push',
  '/api/logs/cloudwatch',
  '/api/logs/firehose',
] as const;

/** How this server is reached: its public URL and the address it listens on. */
export interface OwnAddress {
  publicUrl: string;
  host: string;
  port: number;
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', '::1', '0.0.0.0', '::', '0:0:0:0:0:0:0:1']);

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  // IPv4-mapped: URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h)) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** This host's interface addresses: a server listening on all of them is reached on each. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) out.add(a.address.toLowerCase());
  return out;
}

function portOf(u: URL): number {
  if (u.port) return Number(u.port);
  return u.protocol === 'https:' ? 443 : 80;
}

function cleanPath(path: string): string {
  const p = path.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

/** The ingest path a URL's path names, given the base path the server is published under; undefined if none. */
function ingestPathOf(path: string, basePath: string): string | undefined {
  const p = cleanPath(decodeURIComponent(path));
  const base = cleanPath(basePath) === '/' ? '' : cleanPath(basePath);
  for (const ingest of OWN_INGEST_PATHS) if (p === base + ingest) return ingest;
  return undefined;
}

/**
 * The ingest path `url` would post to on this server (`/loki/api/v1/push`), or undefined when it points
 * elsewhere. This server is its public URL's host and port, or the listen address, a loopback name or
 * address (127.0.0.0/8, localhost, ::1), one of this host's interface addresses or its name, on the listen port.
 */
export function ownIngestPath(url: string, self: OwnAddress): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  let pub: URL | undefined;
  try {
    pub = new URL(self.publicUrl);
  } catch {
    pub = undefined;
  }
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = portOf(u);
  const isPublic =
    pub !== undefined && host === pub.hostname.toLowerCase().replace(/^\[|\]$/g, '') && port === portOf(pub);
  const listenHost = self.host.toLowerCase().replace(/^\[|\]$/g, '');
  const onListenPort =
    port === self.port &&
    (isLoopback(host) || host === listenHost || host === os.hostname().toLowerCase() || localAddresses().has(host));
  if (!isPublic && !onListenPort) return undefined;
  return ingestPathOf(u.pathname, isPublic && pub ? pub.pathname : '/');
}

/** Whether `url` posts into this server's log ingest (see `ownIngestPath`). */
export function isOwnIngestUrl(url: string, self: OwnAddress): boolean {
  return ownIngestPath(url, self) !== undefined;
}
