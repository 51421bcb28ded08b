/**
 * The log pages of the web UI in Chromium against a real server, logged in as the admin: a search with a filter
 * pattern (level-coloured rows, an event opened to its attributes, the scanned count), a bad pattern showing the
 * position the server names, the live tail receiving a line posted during the test (and holding lines back while
 * paused), the rule editor testing a pattern on pasted lines and creating a route, the groups and the pipeline
 * health page refreshing itself. Every page passes axe in light and dark; screenshots land in
 * test-artifacts/screenshots/ (git-ignored). Without Chromium the file skips (CI=true: fails).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  browserSkip,
  checkPage,
  launchBrowser,
  newContext,
  settle,
  setupCode,
  startUiServer,
  type UiServer,
  watchPage,
} from './support/browser.js';
import { field, heading } from './support/ui-actions.js';
import { adminCall, until } from './support/ui-seed.js';

const GROUP = 'checkout-api';
const live = { timeout: 5000 };

/** Events of the group, `n` seconds ago each, through `POST /api/logs` (a JSON array of the model). */
async function ingest(ui: UiServer, events: { message: string; level?: string; ago?: number; [k: string]: unknown }[]) {
  const now = Date.now();
  const body = events.map(({ ago = 0, ...e }) => ({ group: GROUP, source: 'checkout', time: now - ago * 1000, ...e }));
  await adminCall(ui, 'POST', '/api/logs', body, [200, 202, 204]);
}

async function queryCount(ui: UiServer, pattern: string): Promise<number> {
  const q = new URLSearchParams({ group: GROUP, pattern, limit: '1000' });
  return (await adminCall(ui, 'GET', `/api/logs/query?${q}`)).events.length;
}

describe('the log pages of the web UI', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    context = await newContext(browser, ui);
    const res = await context.request.post('/api/setup', {
      data: { name: 'ada', password: 'correct-horse-battery-staple', setupCode: setupCode(ui) },
    });
    assert.equal(res.status(), 201, await res.text());
    page = watchPage(await context.newPage());
    await adminCall(ui, 'POST', '/api/topics', { name: 'ops' }, 201);
    const lines = [];
    for (let i = 0; i < 60; i++) {
      lines.push({ message: `GET /cart/${i} 200 ${10 + i}ms`, level: 'info', ago: 120 - i, attributes: { i } });
    }
    lines.push({
      message: 'payment provider timed out after 3000ms',
      level: 'error',
      ago: 30,
      attributes: { provider: 'acme', latency: 3000 },
    });
    lines.push({ message: 'retrying payment', level: 'warn', ago: 29 });
    await ingest(ui, lines);
    await until(
      () => queryCount(ui, ''),
      (n) => n === 62,
      'the 62 ingested events queryable',
    );
  });
  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
  });

  it('searches a group with a filter pattern and opens an event', async () => {
    await page.goto(`/logs?group=${GROUP}&pattern=${encodeURIComponent('"timed out"')}`);
    await heading(page);
    const rows = page.getByTestId('log-row');
    await rows.first().waitFor({ state: 'visible' });
    assert.equal(await rows.count(), 1, 'only the matching event');
    assert.match((await rows.first().textContent()) ?? '', /payment provider timed out/);
    assert.equal(await rows.first().locator('.lvl-error').count(), 1, 'coloured as an error');
    await page
      .getByTestId('log-scanned')
      .getByText(/1 event; scanned [\d,]+ lines/)
      .waitFor();
    await rows.first().getByRole('button').click();
    const detail = page.getByTestId('log-detail');
    await detail.waitFor({ state: 'visible' });
    assert.match((await page.getByTestId('log-detail-attributes').textContent()) ?? '', /"provider": "acme"/);
    await settle(page);
    await checkPage(page, '/logs/search');

    // The same search with no pattern and the form: every event of the last hour, newest first.
    await (await field(page, /^filter pattern$/i)).fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL((u) => !u.searchParams.has('pattern'));
    await page
      .getByTestId('log-scanned')
      .getByText(/62 events/)
      .waitFor(live);
    assert.match((await rows.first().textContent()) ?? '', /retrying payment/, 'newest first');
  });

  it('shows the position of a bad pattern under the input', async () => {
    await page.goto(`/logs?group=${GROUP}`);
    await page.getByTestId('log-row').first().waitFor({ state: 'visible' });
    const input = await field(page, /^filter pattern$/i);
    await input.fill('{ $.latency > }');
    await input.press('Enter');
    const error = page.getByTestId('pattern-error');
    await error.waitFor({ state: 'visible', ...live });
    const text = (await error.textContent()) ?? '';
    assert.match(text, /filter pattern/i);
    assert.match(text, /character \d+|\^/, `the error names the position: ${text}`);
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('.pattern-caret').count(), 1, 'a caret under the character');
    await checkPage(page, '/logs/bad-pattern');
  });

  it('tails the group live: a line posted now shows, paused lines wait for Resume', async () => {
    // A pattern the server refuses: the tail says where, and does not retry it.
    await page.goto(`/logs/tail?group=${GROUP}&pattern=checkout-tail`);
    await page
      .getByTestId('pattern-error')
      .getByText(/at character \d+/)
      .first()
      .waitFor(live);
    assert.equal(await page.getByTestId('tail-state').textContent(), 'Refused');

    await page.goto(`/logs/tail?group=${GROUP}&pattern=tailmark`);
    await heading(page);
    await page.getByTestId('tail-state').getByText('Following').waitFor(live);
    const tag = `tailmark ${Date.now()}`;
    await ingest(ui, [{ message: `${tag} first`, level: 'error' }, { message: 'not for this tail' }]);
    const rows = page.getByTestId('log-row');
    await rows.filter({ hasText: `${tag} first` }).waitFor({ state: 'visible', ...live });
    assert.equal(await rows.filter({ hasText: 'not for this tail' }).count(), 0, 'the pattern filters the tail');
    await settle(page);
    await checkPage(page, '/logs/tail');

    await page.getByRole('button', { name: 'Pause' }).click();
    await ingest(ui, [{ message: `${tag} second` }]);
    await page.getByText(/1 new while paused/).waitFor(live);
    assert.equal(await rows.filter({ hasText: `${tag} second` }).count(), 0, 'held back while paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await rows.filter({ hasText: `${tag} second` }).waitFor({ state: 'visible', ...live });
    assert.match((await rows.first().textContent()) ?? '', /second/, 'newest first');
    assert.match((await page.getByTestId('tail-dropped').textContent()) ?? '', /^0 dropped/);
  });

  it('tests a pattern on pasted lines in the rule editor and creates a route', async () => {
    await page.goto('/logs/rules/new');
    await heading(page);
    await page.getByLabel(/^kind$/i).selectOption('route');
    await (await field(page, /^name/i)).fill('checkout-5xx');
    await (await field(page, /^log group$/i)).fill(GROUP);
    await (await field(page, /^filter pattern$/i)).fill('[ip, identity, user, time, request, status = 5*, bytes]');
    await (await field(page, /^topics/i)).fill('ops');
    const lines = [
      '10.0.0.1 - alice [02/Dec/2026:13:00:00 +0000] "GET /cart HTTP/1.1" 503 120',
      '10.0.0.2 - bob [02/Dec/2026:13:00:01 +0000] "GET /cart HTTP/1.1" 200 3400',
    ];
    await (await field(page, /^lines to test$/i)).fill(lines.join('\n'));
    await page.getByRole('button', { name: 'Test pattern' }).click();
    const results = page.getByTestId('pattern-result');
    await results.nth(1).waitFor({ state: 'visible', ...live });
    assert.deepEqual(await results.evaluateAll((els) => els.map((e) => e.getAttribute('data-matched'))), [
      'true',
      'false',
    ]);
    assert.match((await results.first().textContent()) ?? '', /503/, 'the extracted fields are shown');
    await page
      .getByTestId('pattern-test-summary')
      .getByText(/1 of 2 lines match/)
      .waitFor();
    await checkPage(page, '/logs/rules/new');

    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL((u) => u.pathname === '/logs/rules/checkout-5xx', live);
    await page.getByTestId('log-rule-facts').waitFor({ state: 'visible' });
    const stored = await adminCall(ui, 'GET', '/api/log-rules/checkout-5xx');
    assert.equal(stored.kind, 'route');
    assert.deepEqual(stored.topics, ['ops']);
    await settle(page);
    await checkPage(page, '/logs/rules/:name');

    await page.goto('/logs/rules');
    const row = page.getByTestId('log-rule-row-checkout-5xx');
    await row.waitFor({ state: 'visible' });
    assert.match((await row.textContent()) ?? '', /Route/);
    assert.equal(await row.locator('[data-state="closed"]').count(), 1, 'the breaker is closed');
    await settle(page);
    await checkPage(page, '/logs/rules');
  });

  it('refuses an invalid rule at its field before sending it', async () => {
    await page.goto('/logs/rules/new');
    await heading(page);
    await page.getByLabel(/^kind$/i).selectOption('alarm');
    await (await field(page, /^name/i)).fill('too-many');
    await page.getByRole('button', { name: 'Create rule' }).click();
    const threshold = await field(page, /^threshold/i);
    await page.locator('#field-threshold-error').waitFor({ state: 'visible' });
    assert.equal(await threshold.getAttribute('aria-invalid'), 'true');
    assert.equal(new URL(page.url()).pathname, '/logs/rules/new', 'nothing was created');
  });

  it('lists the log groups with retention and sizes', async () => {
    await page.goto('/logs/groups');
    const row = page.getByTestId(`log-group-row-${GROUP}`);
    await row.waitFor({ state: 'visible' });
    const text = (await row.textContent()) ?? '';
    assert.match(text, /\d+ d/, 'the retention');
    assert.match(text, /\d+(\.\d)? (B|kB|MB)/, 'the sizes');
    await settle(page);
    await checkPage(page, '/logs/groups');
  });

  it('shows the pipeline health and refreshes it', async () => {
    await page.goto('/logs/pipeline');
    await heading(page);
    const parts = page.locator('[data-testid^="pipeline-part-"]');
    await parts.first().waitFor({ state: 'visible', ...live });
    assert.ok((await parts.count()) >= 2, 'several parts');
    const updated = page.getByTestId('pipeline-updated');
    await updated.getByText(/Updated/).waitFor();
    const first = await updated.textContent();
    await until(
      () => updated.textContent(),
      (t) => t !== first,
      'the pipeline page refreshing itself',
      8000,
    );
    await settle(page);
    await checkPage(page, '/logs/pipeline');
  });
});
