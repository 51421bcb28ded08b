/**
 * The UI's bundle budget (issue 12): the app shell, the JS and CSS that index.html loads before the first page
 * shows, is under 200 kB gzipped. Builds packages/web into a temporary directory with Vite and prints the figure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages/web');
const BUDGET = 200 * 1024;

describe('web bundle', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'tocsin-web-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('keeps the app shell under 200 kB gzipped', async () => {
    const { build } = await import('vite');
    await build({
      root,
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true },
    });
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    const shell = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    assert.ok(
      shell.some((f) => f.endsWith('.js')),
      'index.html loads a script',
    );
    assert.doesNotMatch(index, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script (the CSP refuses it)');
    let total = 0;
    for (const file of shell) {
      const size = gzipSync(readFileSync(path.join(out, file))).length;
      total += size;
      console.log(`  ${file}: ${(size / 1024).toFixed(1)} kB gzipped`);
    }
    console.log(`app shell: ${(total / 1024).toFixed(1)} kB gzipped (budget ${BUDGET / 1024} kB)`);
    assert.ok(total < BUDGET, `the app shell is ${total} bytes gzipped; the budget is ${BUDGET}`);
  });
});
