import { defineConfig } from 'vite';

/**
 * The UI's build: Preact's JSX through esbuild (no preset), @tocsin/protocol's TypeScript source through the
 * `source` export condition, hashed files under /assets/ (the server caches those for a year).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The polyfill would be an inline script, which the Content-Security-Policy refuses.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/ping': 'http://127.0.0.1:8080' } },
});
