import { z } from 'zod';
import type { Telemetry } from '../core/telemetry.js';
import { version } from '../core/version.js';
import type { TokenService } from '../tokens/token-service.js';
import { handle, route, type App } from './route-kit.js';

const tags = ['system'];

/** What `GET /` says: what this server is and where to go next. Static: no state, no secrets. */
const homePage =
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tocsin ${version}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}` +
  `code{background:#f2f2f2;padding:0 .2em}</style>
</head>
<body>
<h1>Tocsin</h1>
<p>A self-hosted monitoring and alerting server, version ${version}.</p>
<p><strong>The web UI is not built.</strong> Run <code>npm run build</code> (or <code>npm start</code>, which ` +
  `builds) in Tocsin's source, then reload this page.</p>
<ul>
<li><a href="/api/openapi.json">/api/openapi.json</a>: the HTTP API (OpenAPI 3.1); send an API token as ` +
  `<code>Authorization: Bearer &lt;token&gt;</code></li>
<li><a href="/healthz">/healthz</a>: the process is up; <a href="/readyz">/readyz</a>: the database answers</li>
<li><code>/metrics</code>: Tocsin's own metrics for Prometheus (a token with the <code>read</code> scope)</li>
<li><code>/ping/&lt;uuid&gt;</code>: heartbeat pings, as Healthchecks.io's</li>
</ul>
<p>Documentation: the <code>README.md</code> and <code>docs/</code> of Tocsin's source; ` +
  `the CLI answers <code>tocsin --help</code>.</p>
</body>
</html>
`;

export function registerSystemRoutes(
  app: App,
  tokens: TokenService,
  telemetry: Telemetry,
  ready: () => Promise<boolean>,
): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/',
      scope: 'public',
      summary: 'A page saying what this server is, with links to the API document and health checks',
      tags,
      response: { contentType: 'text/html', schema: z.string() },
    }),
    (c) => c.html(homePage),
  );
  handle(
    app,
    route(tokens, { method: 'get', path: '/healthz', scope: 'public', summary: 'The process is up', tags }),
    (c) => c.json({ status: 'ok' }),
  );
  handle(
    app,
    route(tokens, { method: 'get', path: '/readyz', scope: 'public', summary: 'The database answers', tags }),
    async (c) =>
      (await ready())
        ? c.json({ status: 'ready' })
        : c.json({ status: 'not ready', error: { code: 'unavailable', message: 'the database does not answer' } }, 503),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/metrics',
      scope: 'read',
      summary: "Tocsin's own metrics, Prometheus text format",
      tags,
      response: { contentType: 'text/plain', schema: z.string() },
    }),
    async (c) => c.text(await telemetry.render(), 200, { 'content-type': telemetry.contentType }),
  );
}
