/**
 * A monitor checked from several locations, on its page in Chromium against a real server: two agents (played
 * in this process by `ws` clients that answer each probe frame, one as reaching the target and one as refused)
 * and the server itself. The page shows one row per location with its result, latency and message, and the
 * monitor stays UP (one failing location of three, quorum 2); the form shows its locations, names a bad quorum at
 * its field and saves a good one. Passes axe in light and dark; the screenshots land in
 * test-artifacts/screenshots/. Without Chromium the file skips (CI=true: fails).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TestAgent } from '../packages/server/src/test-support/test-agent.js';
import {
  browserSkip,
  checkPage,
  launchBrowser,
  newContext,
  setupCode,
  startUiServer,
  type UiServer,
  watchPage,
} from './support/browser.js';
import { badge, heading } from './support/ui-actions.js';
import { adminCall, until } from './support/ui-seed.js';

describe('the locations of a monitor on its page', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let target: net.Server;
  const agents: TestAgent[] = [];

  before(async () => {
    target = net.createServer((s) => s.end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    ui = await startUiServer();
    browser = await launchBrowser();
    context = await newContext(browser, ui);
    const res = await context.request.post('/api/setup', {
      data: { name: 'ada', password: 'correct-horse-battery-staple', setupCode: setupCode(ui) },
    });
    assert.equal(res.status(), 201, await res.text());
    page = watchPage(await context.newPage());
    const made = await adminCall(ui, 'POST', '/api/agents/enrollment-tokens', { name: 'edge', uses: 2 }, 201);
    const port = Number(new URL(ui.url).port);
    for (const hostname of ['edge-1', 'edge-2']) {
      const enrolled = await fetch(`${ui.url}/api/agents/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: made.token, hostname }),
      });
      const { credential } = (await enrolled.json()) as { credential: string };
      const agent = await TestAgent.connect(port, credential);
      agent.answerProbes(() =>
        hostname === 'edge-1'
          ? { ok: true, message: 'connected in 1 ms' }
          : { ok: false, message: 'connection refused' },
      );
      agent.hello(hostname, { role: 'edge' }, true);
      await agent.next('welcome');
      agents.push(agent);
    }
    await adminCall(
      ui,
      'POST',
      '/api/monitors',
      {
        name: 'shop',
        type: 'tcp',
        host: '127.0.0.1',
        port: (target.address() as net.AddressInfo).port,
        interval: '5s',
        timeout: '2s',
        locations: { agents: { role: 'edge' }, quorum: 2 },
      },
      201,
    );
    await until(
      async () => (await adminCall(ui, 'GET', '/api/monitors/shop')).locationResults?.length ?? 0,
      (n) => n === 3,
      'the first check from three locations',
    );
  });
  after(async () => {
    for (const a of agents) a.close();
    await context?.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
    await new Promise((r) => target?.close(r));
  });

  it('shows a row per location, the monitor up with one of three failing', async () => {
    await page.goto('/monitors/shop');
    assert.equal(await heading(page), 'shop');
    const table = page.getByRole('table', { name: /latest result from each location/i });
    await table.locator('[data-location="edge-2"]').waitFor();
    const row = (label: string) => table.locator('tr', { has: page.locator(`[data-location="${label}"]`) });
    await badge(row('server'), 'UP').waitFor();
    await badge(row('edge-1'), 'UP').waitFor();
    await badge(row('edge-2'), 'DOWN').waitFor();
    assert.match((await row('edge-2').textContent()) ?? '', /connection refused/);
    assert.match((await row('edge-1').textContent()) ?? '', /4 ms/);
    await page.getByText(/the server and agents role=edge; down when 2 of the locations fail/).waitFor();
    await badge(page.locator('.cards'), 'UP').waitFor();
    await checkPage(page, 'monitor-locations');
  });

  it('edits the locations in the monitor form', async () => {
    await page.goto('/monitors/shop/edit');
    const agentsField = page.getByLabel('Also check from agents with tags');
    assert.equal(await agentsField.inputValue(), 'role=edge');
    const quorum = page.getByLabel('Down when this many locations fail');
    assert.equal(await quorum.inputValue(), '2');
    await quorum.fill('0');
    await page.getByRole('button', { name: 'Save monitor' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    assert.equal(await quorum.getAttribute('aria-invalid'), 'true', 'the quorum field shows the problem');
    await quorum.fill('100%');
    await page.getByRole('button', { name: 'Save monitor' }).click();
    await until(
      async () => (await adminCall(ui, 'GET', '/api/monitors/shop')).settings.locations,
      (l) => l?.quorum === '100%' && l.includeServer === true && l.agents.role === 'edge',
      'the new quorum saved',
    );
    await checkPage(page, 'monitor-locations-form');
  });
});
