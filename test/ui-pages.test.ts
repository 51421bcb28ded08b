/**
 * Every page of the web UI's route list (CONTRACT.md) in Chromium, logged in as the admin, with one of each thing
 * to show: it renders an h1 (not a not-found page), axe-core finds no serious or critical violation in light or in
 * dark mode, no uncaught error or CSP violation, and a screenshot of it in each mode lands in
 * test-artifacts/screenshots/ (git-ignored). A phone-sized pass checks the overview and the monitor list too.
 * The maintenance, status page and incident pages follow their live changes (made through the API) without reload,
 * and a heartbeat's page lists the next expected runs the server computed.
 * /setup and /login, which need a server without users or a logged-out visitor, are in ui-browser.test.ts.
 *
 * One Chromium, one server, one page reused for every route. Without Chromium the file skips (CI=true: fails).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HttpReceiver } from '../packages/server/src/test-support/http-receiver.js';
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
import { FlapTarget } from './support/flap-target.js';
import { heading } from './support/ui-actions.js';
import { adminCall, monitorState, type Seeded, seedAll, until } from './support/ui-seed.js';

/** The client-side routes of the contract, but /setup and /login. */
const routes = [
  '/',
  '/monitors',
  '/monitors/new',
  '/monitors/:name',
  '/monitors/:name/edit',
  '/heartbeats',
  '/heartbeats/:name',
  '/metrics',
  '/alarms',
  '/alarms/:name',
  '/topics',
  '/topics/:name',
  '/deliveries',
  '/maintenance',
  '/groups',
  '/status-pages',
  '/status-pages/:slug',
  '/tokens',
  '/users',
  '/config',
  '/account',
  '/agents',
  '/agents/:id',
  '/commands',
  '/commands/:id',
];

/** Routes whose path the server itself answers on a page load (not the SPA fallback): reached in the app. */
const serverOwned = new Set(['/metrics']);

/** An enrolled agent (never connected) and a run on it, for the fleet's detail pages. */
const fleet = { agent: '', run: '' };

function concrete(route: string, s: Seeded): string {
  if (route === '/agents/:id') return `/agents/${fleet.agent}`;
  if (route === '/commands/:id') return `/commands/${fleet.run}`;
  const name = route.startsWith('/monitors')
    ? s.monitor
    : route.startsWith('/heartbeats')
      ? s.heartbeat
      : route.startsWith('/alarms')
        ? s.alarm
        : s.topic;
  return route.replace(':name', name).replace(':slug', s.statusPage);
}

describe('every page of the web UI: axe and screenshots', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let flap: FlapTarget;
  let hooks: HttpReceiver;
  let seeded: Seeded;

  before(async () => {
    flap = await new FlapTarget().start();
    hooks = await new HttpReceiver().start();
    ui = await startUiServer();
    browser = await launchBrowser();
    seeded = await seedAll(ui, flap.urlOf(1), `${hooks.url}/hook`);
    const enrolment = await adminCall(ui, 'POST', '/api/agents/enrollment-tokens', { tags: { role: 'web' } }, 201);
    const enrolled = await fetch(`${ui.url}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: enrolment.token, hostname: 'web-1' }),
    });
    fleet.agent = ((await enrolled.json()) as { agentId: string }).agentId;
    const run = { command: 'uptime', targets: { agents: [fleet.agent] }, expected: 1 };
    fleet.run = (await adminCall(ui, 'POST', '/api/commands', run, 201)).id;
    context = await newContext(browser, ui);
    // The first admin, made through the API on the context's own request client: the session cookie is the page's.
    const res = await context.request.post('/api/setup', {
      data: { name: 'ada', password: 'correct-horse-battery-staple', setupCode: setupCode(ui) },
    });
    assert.equal(res.status(), 201, await res.text());
    page = watchPage(await context.newPage());
    await until(
      () => monitorState(ui, seeded.monitor),
      (s) => s === 'UP',
      'the seeded monitor UP',
    );
  });
  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
    await hooks?.stop();
    await flap?.stop();
  });

  it('serves the app for every route and passes axe in light and dark', async (t) => {
    for (const route of routes) {
      await t.test(route, async () => {
        const url = concrete(route, seeded);
        if (serverOwned.has(route)) {
          // The server answers this path itself (Prometheus text at /metrics): the page opens from the menu.
          await page.goto('/');
          await heading(page);
          await page.locator(`nav a[href="${url}"]`).first().click();
          await page.waitForURL((u) => u.pathname === url);
        } else {
          const res = await page.goto(url);
          assert.equal(res?.status(), 200, `${url}: the SPA fallback answers 200`);
        }
        assert.equal(new URL(page.url()).pathname, url, `${url}: no redirect (the admin may see every page)`);
        await heading(page);
        await settle(page);
        await checkPage(page, route);
      });
    }
  });

  it('shows the seeded monitor on the overview and the list, on a phone too', async () => {
    await page.goto('/monitors');
    await page.getByTestId(`monitor-row-${seeded.monitor}`).waitFor({ state: 'visible' });
    const phone = await browser.newContext({
      baseURL: ui.url,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      storageState: await context.storageState(),
    });
    try {
      const small = watchPage(await phone.newPage());
      for (const route of ['/', '/monitors']) {
        await small.goto(route);
        await settle(small);
        await checkPage(small, `phone${route === '/' ? '-overview' : route}`);
      }
      await small.getByTestId(`monitor-row-${seeded.monitor}`).waitFor({ state: 'visible' });
      const overflow = await small.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(Number(overflow) <= 1, `the monitor list fits a phone's width (${overflow} px too wide)`);
    } finally {
      await phone.close();
    }
  });

  it('follows live changes of maintenance windows, status pages and incidents without a reload', async () => {
    const live = { timeout: 3000 };
    await page.goto('/maintenance');
    await page.getByTestId(`maintenance-row-${seeded.maintenance}`).waitFor({ state: 'visible' });
    const start = new Date(Date.now() + 86_400_000).toISOString();
    const end = new Date(Date.now() + 90_000_000).toISOString();
    const win = { monitors: [seeded.monitor], start, end };
    await adminCall(ui, 'PUT', '/api/maintenance/live-window', win, [200, 201]);
    await page.getByTestId('maintenance-row-live-window').waitFor({ state: 'visible', ...live });
    await adminCall(ui, 'DELETE', '/api/maintenance/live-window', undefined, 204);
    await page.getByTestId('maintenance-row-live-window').waitFor({ state: 'detached', ...live });

    await page.goto('/status-pages');
    await page.getByTestId(`status-page-row-${seeded.statusPage}`).waitFor({ state: 'visible' });
    await adminCall(ui, 'PUT', '/api/status-pages/live-page', { title: 'Live page', items: [] }, [200, 201]);
    await page.getByTestId('status-page-row-live-page').waitFor({ state: 'visible', ...live });

    await page.goto(`/status-pages/${seeded.statusPage}`);
    await heading(page);
    const incident = await adminCall(
      ui,
      'POST',
      `/api/status-pages/${seeded.statusPage}/incidents`,
      { title: 'Slow logins', body: 'Looking into it.' },
      201,
    );
    await page.getByTestId(`incident-${incident.id}`).waitFor({ state: 'visible', ...live });
    const body = { title: 'Renamed live', items: [] };
    await adminCall(ui, 'PUT', `/api/status-pages/${seeded.statusPage}`, body, 200);
    await page.getByRole('heading', { level: 1, name: 'Renamed live' }).waitFor(live);
    await adminCall(ui, 'DELETE', `/api/status-pages/${seeded.statusPage}/incidents/${incident.id}`, undefined, 204);
    await page.getByTestId(`incident-${incident.id}`).waitFor({ state: 'detached', ...live });
  });

  it("lists a heartbeat's next expected runs from the server", async () => {
    const { nextExpected } = await adminCall(ui, 'GET', `/api/heartbeats/${seeded.heartbeat}`);
    assert.equal(nextExpected.length, 5);
    await page.goto(`/heartbeats/${seeded.heartbeat}`);
    const items = page.getByTestId('next-expected').locator('time');
    await items.first().waitFor({ state: 'visible' });
    assert.deepEqual(await items.evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime'))), nextExpected);
  });
});
