/**
 * The archive pages of the web UI in Chromium against a real server, logged in as the admin: the empty state that
 * says how to declare a job, the jobs list with a backfilled day, a run that hangs on an S3 endpoint that never
 * answers (its progress bar, refreshed every 2 s without a reload), "Run now" queuing a run behind it, then the
 * endpoint closing: the run fails and the job's page shows the failed day with its error. Every page passes axe
 * in light and dark; screenshots land in test-artifacts/screenshots/ (git-ignored). Without Chromium the file
 * skips (CI=true: fails).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { blackHole } from '../packages/server/src/test-support/cli-harness.js';
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
import { heading } from './support/ui-actions.js';
import { adminCall, until } from './support/ui-seed.js';

const GROUP = 'apache-access';
const live = { timeout: 8000 };
// A whole day that has ended in UTC, whatever the time of the test.
const DAY = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);

type Run = { id: string; state: string; error?: string };

async function runOf(ui: UiServer, job: string, id: string): Promise<Run> {
  return adminCall(ui, 'GET', `/api/archives/${job}/runs/${id}`);
}

describe('the archive pages of the web UI', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let hole: Awaited<ReturnType<typeof blackHole>>;

  before(async () => {
    ui = await startUiServer();
    hole = await blackHole();
    browser = await launchBrowser();
    context = await newContext(browser, ui);
    const res = await context.request.post('/api/setup', {
      data: { name: 'ada', password: 'correct-horse-battery-staple', setupCode: setupCode(ui) },
    });
    assert.equal(res.status(), 201, await res.text());
    page = watchPage(await context.newPage());
    const at = Date.parse(`${DAY}T09:00:00Z`);
    const lines = Array.from({ length: 20 }, (_, i) => ({
      group: GROUP,
      source: 'apache',
      time: at + i * 1000,
      message: `GET /cart/${i} 200`,
    }));
    await adminCall(ui, 'POST', '/api/logs', lines, [200, 202, 204]);
    const q = new URLSearchParams({ group: GROUP, start: String(at - 1), end: String(at + 60_000), limit: '100' });
    await until(
      async () => (await adminCall(ui, 'GET', `/api/logs/query?${q}`)).events.length,
      (n) => n === 20,
      'the 20 ingested events queryable',
    );
  });
  after(async () => {
    // First the endpoint, so that a run still hanging on it ends and the server can stop.
    await hole?.close();
    await context?.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
  });

  it('says how to declare a job when there is none', async () => {
    await page.goto('/archives');
    await heading(page);
    const empty = page.getByTestId('archives-empty');
    await empty.waitFor({ state: 'visible' });
    const text = (await empty.textContent()) ?? '';
    assert.match(text, /archives:/);
    assert.match(text, /docs\/archive\.md/);
    await settle(page);
    await checkPage(page, '/archives/empty');
  });

  it('lists the jobs with their last run and days', async () => {
    const dir = path.join(ui.dataDir, 'archive');
    await adminCall(
      ui,
      'PUT',
      '/api/archives/nightly',
      {
        groups: [GROUP],
        destination: { type: 'directory', path: dir },
      },
      201,
    );
    const run = await adminCall(ui, 'POST', '/api/archives/nightly/run', { from: DAY, to: DAY }, 202);
    await until(
      () => runOf(ui, 'nightly', run.id),
      (r) => r.state === 'succeeded',
      'the backfill of nightly',
    );
    await page.goto('/archives');
    const row = page.getByTestId('archive-row-nightly');
    await row.waitFor({ state: 'visible', ...live });
    const text = (await row.textContent()) ?? '';
    assert.match(text, new RegExp(GROUP));
    assert.match(text, /UTC/);
    assert.match(text, new RegExp(dir.replace(/[/.]/g, '\\$&')));
    assert.equal(await row.locator('[data-run-state="succeeded"]').count(), 1, 'the last run succeeded');
    assert.deepEqual(
      await row.locator('td.num').allTextContents(),
      ['2', '0', '0'],
      'the day asked for, and yesterday (no lines) caught up on its own; none failed or pending',
    );
    await settle(page);
    await checkPage(page, '/archives');
  });

  it('shows a hanging run with its progress, queues Run now behind it, then shows the failure', async () => {
    await adminCall(
      ui,
      'PUT',
      '/api/archives/evidence',
      {
        groups: [GROUP],
        destination: {
          type: 's3',
          endpoint: hole.url,
          bucket: 'evidence-bkt',
          pathStyle: true,
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'not-a-secret',
        },
        // Paused: no catch-up of its own on the endpoint that never answers, only the runs asked for.
        paused: true,
      },
      201,
    );
    const hanging: Run = await adminCall(ui, 'POST', '/api/archives/evidence/run', { from: DAY, to: DAY }, 202);
    await until(
      () => runOf(ui, 'evidence', hanging.id),
      (r) => r.state === 'running',
      'the run to start',
    );

    await page.goto('/archives');
    const row = page.getByTestId('archive-row-evidence');
    await row.locator('[data-run-state="running"]').waitFor({ state: 'visible', ...live });
    const bar = row.getByTestId('archive-progress');
    assert.match((await bar.textContent()) ?? '', /0 of 1 days · 0 lines/);
    assert.equal(await bar.locator('progress').getAttribute('max'), '1');
    await settle(page);
    await checkPage(page, '/archives/running');

    await row.getByRole('button', { name: 'Run now: evidence' }).click();
    // The job's key is busy with the hanging run: the new run waits, and the list shows it queued.
    await row.locator('[data-run-state="queued"]').waitFor({ state: 'visible', ...live });

    await page.goto('/archives/evidence');
    await heading(page);
    const running = page.getByTestId(`archive-run-${hanging.id}`);
    await running.locator('[data-run-state="running"]').waitFor({ state: 'visible', ...live });
    assert.equal(await page.locator('[data-testid^="archive-run-"]').count(), 2, 'both runs, newest first');
    assert.equal(
      await page.locator('[data-testid^="archive-run-"]').first().locator('[data-run-state="queued"]').count(),
      1,
    );
    await settle(page);
    await checkPage(page, '/archives/:name');

    // The endpoint goes away: the hanging request fails, the day is recorded failed, the queued run ends.
    await hole.close();
    await running.locator('[data-run-state="failed"]').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await running.textContent()) ?? '', new RegExp(`${GROUP} ${DAY}`), 'the error names the day');
    const failed = page.getByTestId(`archive-failed-${GROUP}-${DAY}`);
    await failed.waitFor({ state: 'visible', ...live });
    assert.match((await failed.textContent()) ?? '', /1/, 'one attempt');
    // Run now, without days, does what is due (yesterday, not written yet): the endpoint is gone, so it fails too.
    await page
      .locator('[data-testid^="archive-run-"]')
      .first()
      .locator('[data-run-state="failed"]')
      .waitFor({ state: 'visible', timeout: 30_000 });
    await settle(page);
    await checkPage(page, '/archives/:name/failed');
  });
});
