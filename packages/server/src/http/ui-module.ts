/**
 * The browser UI: the files `npm run build` writes to packages/web/dist, served at `/` as a single-page app.
 * A page load of any client route gets index.html; the API, the ping URLs, the public status pages, badges and
 * the server's own endpoints are never answered here. Until the UI is built, `GET /` is the system module's page,
 * which says to run `npm run build`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppModule } from '../app-module.js';
import type { StaticMount } from './static-files.js';

/** The built UI, from this file's place in src/ or dist/ of packages/server. */
export const defaultUiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Paths the UI never takes, whatever the request accepts. */
export const uiExcludedPrefixes = [
  '/api/',
  '/ping/',
  '/status/',
  '/badge/',
  '/metrics',
  '/healthz',
  '/readyz',
  '/confirm/',
  '/unsubscribe/',
] as const;

/** No inline script; uPlot and Preact set styles through the CSSOM, which style-src does not govern. */
export const uiContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const uiHeaders: Record<string, string> = {
  'content-security-policy': uiContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export function uiMount(dir: string = defaultUiDir): StaticMount {
  return {
    prefix: '/',
    dir,
    headers: uiHeaders,
    immutable: '/assets/',
    // The metrics explorer's address is Prometheus' too: scrapers never accept text/html, browsers do.
    spa: { fallback: 'index.html', exclude: uiExcludedPrefixes, pagesToo: ['/metrics'] },
  };
}

export function uiModule(dir?: string): AppModule {
  return { name: 'ui', statics: [uiMount(dir)] };
}
