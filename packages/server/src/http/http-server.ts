/**
 * The socket side of Tocsin: the node:http server, and what answers before
 * Hono does (the ping fast path, static files, WebSocket upgrades), then
 * graceful shutdown.
 *
 * States: listening ──close()──▶ draining (accepts nothing new; idle
 * keep-alive connections closed; in-flight requests finish) ──all done, or
 * the deadline──▶ closed (remaining connections destroyed).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { TocsinError } from '../core/errors.js';
import { settingSpecs } from '../config/settings.js';
import type { PublicUrl } from './public-url.js';
import { staticFiles, type NodeHandler, type StaticMount } from './static-files.js';

/** Takes over an upgraded connection (the agent hub's WebSocket). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Upgrade handlers by path prefix (whole segments); the longest matching
 * prefix wins, and an upgrade nobody handles is a 404.
 */
export class UpgradeRegistry {
  private handlers = new Map<string, UpgradeHandler>();

  add(prefix: string, handler: UpgradeHandler): void {
    if (this.handlers.has(prefix)) throw new Error(`an upgrade handler for ${prefix} exists`);
    this.handlers.set(prefix, handler);
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '/';
    let best: string | undefined;
    const pathname = url.split('?')[0];
    for (const prefix of this.handlers.keys()) {
      const matches = pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
      if (matches && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    if (best === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    this.handlers.get(best)!(req, socket, head);
  }
}

export interface HttpServerOptions {
  host: string;
  port: number;
  /** The Hono app's fetch: everything the hooks below leave. */
  fetch: (req: Request) => Response | Promise<Response>;
  /** Answers the hot path's requests straight from node:http; false to pass. */
  fastPath?: NodeHandler;
  statics?: StaticMount[];
  upgrades?: UpgradeRegistry;
  /** Resolved with the actual port once listening (port 0). */
  publicUrl?: PublicUrl;
  keepAliveTimeoutMs?: number;
  /** How long close() waits for in-flight requests before it destroys their connections. */
  shutdownDeadlineMs?: number;
}

export interface HttpServer {
  server: Server;
  /** The port listened on (the one chosen, with port 0). */
  port: number;
  /** Stops accepting, closes idle connections, and waits for in-flight requests up to the deadline. */
  close(): Promise<void>;
}

/** The setting a listen failure names. */
const PORT_SETTING = `${settingSpecs.port.env} (--${settingSpecs.port.flag})`;

function listen(server: Server, host: string, port: number): Promise<void> {
  server.listen(port, host);
  return new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch((err: NodeJS.ErrnoException) => {
    const why = err.code ?? err.message;
    throw new TocsinError('unavailable', `${PORT_SETTING}: cannot listen on ${host}:${port}: ${why}`);
  });
}

function shutdown(server: Server, deadlineMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), deadlineMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Creates the server with its hooks and listens; a failure to listen is one line naming TOCSIN_PORT (--port). */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const hono = getRequestListener(options.fetch);
  const hooks: NodeHandler[] = [
    ...(options.fastPath ? [options.fastPath] : []),
    ...(options.statics ?? []).map(staticFiles),
  ];
  const server = createServer((req, res) => {
    for (const hook of hooks) if (hook(req, res)) return;
    void hono(req, res);
  });
  const upgrades = options.upgrades ?? new UpgradeRegistry();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrades.handle(req, socket, head));
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  await listen(server, options.host, options.port);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.publicUrl?.listening(port);
  return { server, port, close: () => shutdown(server, options.shutdownDeadlineMs ?? 10_000) };
}
