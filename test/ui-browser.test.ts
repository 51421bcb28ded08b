/**
 * The web UI in a real browser: Debian's Chromium through playwright-core (test/support/browser.ts), against one
 * server process with a temporary data dir and the built web app (built first when missing or stale). One
 * Chromium and one server for the file; the tests run in order and share the admin's page.
 *
 * First-run setup and login through the forms; an HTTP monitor made through its form going down and up live as a
 * local target flips; a heartbeat's ping URL copied from its page and pinged; a dead letter replayed; a status page
 * logged out (and without JavaScript) and its badges; CSRF refused without the token and accepted with it; a viewer
 * who cannot write. Setup once done, TOTP sign-in and sign-out are in ui-session.test.ts; axe and screenshots
 * of every page are in ui-pages.test.ts; this file screenshots the setup and login pages, which only a server
 * without users shows. Screenshots: test-artifacts/screenshots/ (git-ignored).
 *
 * Without Chromium the file skips (with CI=true it fails).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { channelDefinitions } from '@tocsin/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HttpReceiver } from '../packages/server/src/test-support/http-receiver.js';
import {
  browserSkip,
  checkPage,
  createUser,
  launchBrowser,
  loginContext,
  newContext,
  type RoleSession,
  settle,
  setupCode,
  startUiServer,
  type UiServer,
  watchPage,
} from './support/browser.js';
import { FlapTarget } from './support/flap-target.js';
import {
  assertNoReload,
  assertNoWriteControls,
  badge,
  badgeSeenAt,
  chooseIfPresent,
  fill,
  fillIfPresent,
  heading,
  markDocument,
  PASSWORD,
  pageFetch,
  USER_NAME,
  watchBadge,
} from './support/ui-actions.js';
import { adminCall, monitorState, until } from './support/ui-seed.js';

const ADMIN = { name: 'ada', password: 'correct-horse-battery-staple' };
const VIEWER = { name: 'vic', password: 'viewer-password-for-tests' };
/** A change on the server shows in the page within this (the issue asks for a second; slack for a loaded CI). */
const LIVE_MS = 3000;

describe('the web UI in Chromium', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let flap: FlapTarget;
  let hooks: HttpReceiver;
  let admin: { context: BrowserContext; page: Page };
  const contexts: BrowserContext[] = [];

  before(async () => {
    flap = await new FlapTarget().start();
    hooks = await new HttpReceiver().start();
    ui = await startUiServer();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
    await hooks?.stop();
    await flap?.stop();
  });

  async function freshPage(): Promise<Page> {
    const context = await newContext(browser, ui);
    contexts.push(context);
    return watchPage(await context.newPage());
  }

  it('sends a new server to /setup, which creates the first admin with the setup code', async () => {
    assert.deepEqual(await adminCall(ui, 'GET', '/api/setup'), { needed: true });
    const page = await freshPage();
    await page.goto('/');
    await page.waitForURL(/\/setup$/);
    await settle(page);
    await checkPage(page, '/setup');
    await fill(page, USER_NAME, ADMIN.name);
    await fill(page, PASSWORD, ADMIN.password);
    await fillIfPresent(page, /^((confirm|repeat).*password|password again)/i, ADMIN.password);
    await fill(page, /setup code/i, setupCode(ui));
    await page
      .getByRole('button', { name: /set up|create|continue|start/i })
      .first()
      .click();
    await page.waitForURL((u) => !u.pathname.startsWith('/setup'));
    await heading(page);
    assert.deepEqual(await adminCall(ui, 'GET', '/api/setup'), { needed: false });
    const me = await page.request.get('/api/session');
    assert.equal(me.status(), 200);
    assert.equal((await me.json()).user.role, 'admin');
  });

  it('sends a visitor to /login, refuses a wrong password with the reason, then logs in', async () => {
    const page = await freshPage();
    await page.goto('/monitors');
    await page.waitForURL(/\/login/);
    await settle(page);
    await checkPage(page, '/login');
    await fill(page, USER_NAME, ADMIN.name);
    await fill(page, PASSWORD, 'not-the-password');
    await page
      .getByRole('button', { name: /log ?in|sign ?in/i })
      .first()
      .click();
    await page
      .getByText(/name or password is wrong/i)
      .first()
      .waitFor({ state: 'visible' });
    await fill(page, PASSWORD, ADMIN.password);
    await page
      .getByRole('button', { name: /log ?in|sign ?in/i })
      .first()
      .click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await heading(page);
    admin = { context: page.context(), page };
  });

  it('creates an HTTP monitor through its form and shows it go down and up live', async () => {
    const { page } = admin;
    await page.goto('/monitors/new');
    await heading(page);
    await chooseIfPresent(page, /^(type|probe|kind)/i, 'http');
    await fill(page, /^name/i, 'web-flap');
    await fill(page, /^url/i, flap.urlOf(1));
    await fill(page, /^(interval|check every)/i, '5s');
    await fillIfPresent(page, /^timeout/i, '2s');
    await page
      .getByRole('button', { name: /create|save|add/i })
      .first()
      .click();
    await page.waitForURL((u) => !u.pathname.endsWith('/new'));
    const made = await adminCall(ui, 'GET', '/api/monitors/web-flap');
    assert.equal(made.target.url, flap.urlOf(1));

    await page.goto('/monitors');
    const row = page.getByTestId('monitor-row-web-flap');
    await badge(row, 'UP').waitFor({ state: 'visible', timeout: 15_000 });
    await markDocument(page);

    // How long after the server's state change (the monitor's stateChangedAt) the page shows it, by the page's
    // own clock (same machine): the issue asks for a second.
    for (const [up, state] of [
      [false, 'DOWN'],
      [true, 'UP'],
    ] as const) {
      await watchBadge(page, 'monitor-row-web-flap', state);
      flap.set(1, up);
      const changed = await until(
        () => adminCall(ui, 'GET', '/api/monitors/web-flap'),
        (m) => m.state === state,
        `the monitor ${state}`,
      );
      await badge(row, state).waitFor({ state: 'visible', timeout: LIVE_MS });
      const lag = (await badgeSeenAt(page)) - Date.parse(changed.stateChangedAt);
      process.stderr.write(`# live: ${state} shown ${lag} ms after the server's state change\n`);
      assert.ok(lag < LIVE_MS, `${state} shown ${lag} ms after the change`);
    }
    await assertNoReload(page);
  });

  it("copies a heartbeat's ping URL from its page; the ping it sends is listed", async () => {
    const made = await adminCall(ui, 'POST', '/api/heartbeats', { name: 'nightly', period: '1d', grace: '1h' }, 201);
    const { page, context } = admin;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.url });
    await page.goto('/heartbeats/nightly');
    await heading(page);
    // The page may offer several copy buttons (ping URLs by UUID and by slug, the cron line): one copies this URL.
    const buttons = page.getByRole('button', { name: /copy/i });
    await buttons.first().waitFor({ state: 'visible' }); // the h1 shows before the heartbeat has loaded
    const copies: string[] = [];
    for (let i = 0; i < (await buttons.count()); i++) {
      await buttons.nth(i).click();
      copies.push(String(await page.evaluate('navigator.clipboard.readText()')));
      if (copies.at(-1)!.includes(made.pingUrl)) break;
    }
    const url = copies.at(-1)?.match(/https?:\/\/\S+\/ping\/\S+/)?.[0];
    assert.equal(url, made.pingUrl, `a copy button copies the ping URL; copied: ${JSON.stringify(copies)}`);

    const res = await fetch(url!, { method: 'POST', body: 'ui-ping-body-5d1e' });
    assert.equal(res.status, 200);
    await until(
      async () => (await adminCall(ui, 'GET', '/api/heartbeats/nightly/pings')).pings.length,
      (n) => n === 1,
      'the ping recorded',
    );
    // The body sits folded in a <details> of the pings table: there live when the page follows the heartbeat's
    // change (its first ping makes it UP), else after a reload; it shows when opened.
    const listed = page.locator('details', { hasText: 'ui-ping-body-5d1e' }).first();
    await listed.waitFor({ state: 'attached', timeout: LIVE_MS }).catch(async () => {
      await page.reload();
      await listed.waitFor({ state: 'attached' });
    });
    await listed.locator('summary').click();
    await listed.getByText('ui-ping-body-5d1e').waitFor({ state: 'visible' });
  });

  it('replays a dead letter from the deliveries page and it is delivered', async () => {
    let reject = true;
    hooks.respond = () => (reject ? { status: 500, body: 'broken' } : { status: 200, body: 'ok' });
    const sub = { name: 'hook', protocol: 'webhook', endpoint: `${hooks.url}/hook`, retry: { maxAttempts: 1 } };
    await adminCall(ui, 'POST', '/api/topics', { name: 'replays', subscriptions: [sub] }, 201);
    await adminCall(ui, 'POST', '/api/topics/replays/publish', { kind: 'test', title: 'replay me' }, 202);
    const dead = await until(
      async () => (await adminCall(ui, 'GET', '/api/deliveries?status=dead')).deliveries as { id: string }[],
      (list) => list.length === 1,
      'one dead letter',
    );
    reject = false;
    // What the receiver has recorded so far; the replay is one request more.
    const seen = hooks.requests.length;
    const id = dead[0].id;
    const { page } = admin;
    await page.goto('/deliveries');
    await heading(page);
    const row = page.getByTestId(`delivery-row-${id}`);
    await badge(row, 'dead').waitFor({ state: 'visible' });
    // One click: a row's replay asks no confirmation (a second click would be a second replay).
    await row.getByRole('button', { name: /^replay$/i }).click();
    await until(
      async () => hooks.requests.length,
      (n) => n === seen + 1,
      'the replayed delivery received',
    );
    await until(
      async () => (await adminCall(ui, 'GET', `/api/deliveries/${id}`)).status,
      (s) => s === 'delivered',
      'the delivery delivered',
    );
    await badge(row, 'delivered')
      .waitFor({ state: 'visible', timeout: LIVE_MS })
      .catch(async () => {
        await page.reload();
        await badge(page.getByTestId(`delivery-row-${id}`), 'delivered').waitFor({ state: 'visible' });
      });
  });

  it("offers every channel in the topic page's subscription form with its fields, and adds one", async () => {
    const { page } = admin;
    await page.goto('/topics/replays');
    await heading(page);
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add subscription' }) });
    const kind = form.getByLabel('Kind', { exact: true });
    for (const d of channelDefinitions) {
      await kind.selectOption(d.protocol);
      for (const f of d.fields)
        await form
          .getByLabel(f.required ? `${f.label} (required)` : f.label, { exact: true })
          .waitFor({ state: 'visible', timeout: 2000 })
          .catch(() => assert.fail(`${d.protocol}: the form shows ${f.name} as '${f.label}'`));
    }
    // A templated webhook through the form: a bad template is refused at its field, a good one is added.
    await kind.selectOption('http_template');
    await form.getByLabel('Name', { exact: true }).fill('templated');
    await form.getByLabel('URL (required)', { exact: true }).fill(`${hooks.url}/templated`);
    await form.getByLabel(/^Body/).fill('{"title": {{ event.title | nope }}}');
    await form.getByRole('button', { name: 'Add subscription' }).click();
    await form.getByText(/undefined filter: nope/).waitFor({ state: 'visible' });
    await form.getByLabel(/^Body/).fill('{"title": {{ event.title | json }}}');
    await form.getByRole('button', { name: 'Add subscription' }).click();
    await until(
      async () => (await adminCall(ui, 'GET', '/api/topics/replays')).subscriptions as { name: string }[],
      (subs) => subs.some((x) => x.name === 'templated'),
      'the templated webhook added',
    );
  });

  it('shows a status page to a visitor who is not logged in, with or without JavaScript', async () => {
    await adminCall(
      ui,
      'PUT',
      '/api/status-pages/ui-public',
      {
        title: 'Acme service status',
        description: 'What works right now',
        items: [{ type: 'monitor', name: 'web-flap', label: 'Website' }],
      },
      [200, 201],
    );
    for (const javaScriptEnabled of [true, false]) {
      const context = await browser.newContext({ baseURL: ui.url, javaScriptEnabled });
      contexts.push(context);
      const page = watchPage(await context.newPage());
      const res = await page.goto('/status/ui-public');
      assert.equal(res?.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/status/ui-public', 'no redirect to a login');
      assert.match(await heading(page), /Acme service status/);
      await page.getByText('Website').first().waitFor({ state: 'visible' });
      if (javaScriptEnabled) await checkPage(page, 'status-public');
      assert.equal((await context.cookies()).length, 0, 'the public page sets no cookie');
    }
    // The item's badges load logged out, as an <img> on someone else's page would load them.
    const context = await browser.newContext({ baseURL: ui.url });
    contexts.push(context);
    const page = watchPage(await context.newPage());
    for (const kind of ['status', 'uptime', 'latency']) {
      const res = await page.goto(`/badge/ui-public/web-flap/${kind}.svg`);
      assert.equal(res?.status(), 200, `the ${kind} badge`);
      assert.match(res?.headers()['content-type'] ?? '', /^image\/svg\+xml/);
      assert.match(await res!.text(), /<svg[\s\S]*<\/svg>/);
    }
    const size = await page.evaluate(`new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img.naturalWidth);
      img.onerror = () => reject(new Error('the badge did not load as an image'));
      img.src = '/badge/ui-public/web-flap/status.svg';
    })`);
    assert.ok(Number(size) > 0, 'the status badge renders as an image');
  });

  it('refuses a cookie-authenticated write without X-CSRF-Token and takes it with the token', async () => {
    const { page } = admin;
    await page.goto('/');
    const body = { name: 'csrf-made' };
    const refused = await pageFetch(page, 'POST', '/api/topics', body);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'forbidden');
    assert.match(refused.json.error.message, /X-CSRF-Token/);
    const session = await pageFetch(page, 'GET', '/api/session');
    const wrong = await pageFetch(page, 'POST', '/api/topics', body, 'not-the-token');
    assert.equal(wrong.status, 403);
    const taken = await pageFetch(page, 'POST', '/api/topics', body, session.json.csrfToken);
    assert.equal(taken.status, 201, JSON.stringify(taken.json));
  });

  it('lets a viewer read but not write: write controls hidden or disabled, writes answered 403', async () => {
    await createUser(ui, VIEWER.name, VIEWER.password, 'viewer');
    const viewer: RoleSession = await loginContext(browser, ui, VIEWER.name, VIEWER.password);
    contexts.push(viewer.context);
    const { page } = viewer;
    const writes = /^(new|add|create|edit|delete|remove|pause|resume|replay|save)\b/i;
    await page.goto('/monitors');
    await page.getByTestId('monitor-row-web-flap').waitFor({ state: 'visible' });
    await assertNoWriteControls(page, writes);
    for (const path of ['/monitors/web-flap', '/heartbeats', '/heartbeats/nightly', '/deliveries']) {
      await page.goto(path);
      await heading(page);
      await settle(page);
      // A detail page has loaded its thing (where the write controls would be) once its state badge shows.
      if (/\/(monitors|heartbeats)\/./.test(path)) await page.locator('main [data-state]').first().waitFor();
      await assertNoWriteControls(page, writes);
    }

    const made = await pageFetch(page, 'POST', '/api/topics', { name: 'viewer-made' }, viewer.csrfToken);
    assert.equal(made.status, 403, JSON.stringify(made.json));
    const paused = await pageFetch(page, 'POST', '/api/monitors/web-flap/pause', undefined, viewer.csrfToken);
    assert.equal(paused.status, 403, JSON.stringify(paused.json));
    assert.equal(await monitorState(ui, 'web-flap'), 'UP');
    const read = await pageFetch(page, 'GET', '/api/monitors/web-flap');
    assert.equal(read.status, 200);
  });
});
