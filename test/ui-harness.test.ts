/**
 * The browser harness itself (test/support/browser.ts), on a local page and no Tocsin server: Chromium starts from
 * playwright-core, axe-core goes into a page whose CSP forbids inline scripts and reports serious and critical
 * violations readably, a clean page passes, and screenshots come out in light and in dark. Without Chromium the
 * file skips (CI=true: fails). Screenshots: test-artifacts/screenshots/harness-*.png (git-ignored).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { axeCheck, browserSkip, launchBrowser, pageProblems, screenshot, watchPage } from './support/browser.js';

const style =
  '<style>body{background:#fff;color:#111}' +
  '@media (prefers-color-scheme: dark){body{background:#111;color:#eee}}</style>';
const pages: Record<string, string> = {
  '/good': `<main><h1>Fine</h1><label for="q">Search</label><input id="q"><button>Go</button></main>`,
  '/bad': `<main><h1>Broken</h1><img src="/x.png"><button></button><input></main>`,
  '/inline': `<main><h1>Inline</h1><script>window.ran = true</script></main>`,
};

describe('the browser harness', { skip: browserSkip() }, () => {
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  before(async () => {
    server = http.createServer((req, res) => {
      const body = pages[req.url ?? ''];
      res.writeHead(body ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'",
      });
      res.end(
        body ? `<!doctype html><html lang="en"><head><title>t</title>${style}</head><body>${body}</body></html>` : '',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    page = watchPage(await (await browser.newContext()).newPage());
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('passes a clean page through axe under a strict CSP', async () => {
    await page.goto(`${base}/good`);
    await axeCheck(page, 'good');
  });

  it('fails a page with serious or critical violations and names each rule and element', async () => {
    await page.goto(`${base}/bad`);
    await assert.rejects(axeCheck(page, 'bad'), (err: Error) => {
      assert.match(err.message, /^axe on bad \(http:\/\/127\.0\.0\.1:\d+\/bad\): \d+ serious or critical/);
      for (const rule of ['image-alt', 'button-name', 'label']) assert.match(err.message, new RegExp(`  ${rule} \\(`));
      assert.match(err.message, /\n {4}img: /);
      return true;
    });
  });

  it('reports a CSP violation the page logs', async () => {
    pageProblems(page);
    await page.goto(`${base}/inline`);
    await page.locator('h1').waitFor();
    assert.equal(await page.evaluate('window.ran === true'), false);
    const seen = pageProblems(page);
    assert.equal(seen.length, 1, seen.join('\n'));
    assert.match(seen[0], /^CSP: /);
  });

  it('writes a light and a dark screenshot', async () => {
    await page.goto(`${base}/good`);
    const files = await screenshot(page, '/harness/good');
    assert.deepEqual(
      files.map((f) => f.split('/').slice(-2).join('/')),
      ['screenshots/harness-good-light.png', 'screenshots/harness-good-dark.png'],
    );
    const [light, dark] = files.map((f) => readFileSync(f));
    for (const png of [light, dark]) assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.notDeepEqual(light, dark, 'dark mode looks different');
  });
});
