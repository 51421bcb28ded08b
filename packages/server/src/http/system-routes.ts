import { z } from 'zod';
import type { MetricsRegistry } from '../core/metrics-registry.js';
import type { TokenService } from '../tokens/token-service.js';
import { handle, route, type App } from './route-kit.js';

const tags = ['system'];

export function registerSystemRoutes(app: App, tokens: TokenService, metrics: MetricsRegistry, ready: () => Promise<boolean>): void {
  handle(app, route(tokens, { method: 'get', path: '/healthz', scope: 'public', summary: 'The process is up', tags }), (c) => c.json({ status: 'ok' }));
  handle(app, route(tokens, { method: 'get', path: '/readyz', scope: 'public', summary: 'The database answers', tags }), async (c) =>
    (await ready()) ? c.json({ status: 'ready' }) : c.json({ status: 'not ready', error: { code: 'unavailable', message: 'the database does not answer' } }, 503),
  );
  handle(
    app,
    route(tokens, { method: 'get', path: '/metrics', scope: 'read', summary: "Tocsin's own metrics, Prometheus text format", tags, response: { contentType: 'text/plain', schema: z.string() } }),
    async (c) => c.text(await metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
}
