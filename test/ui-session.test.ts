/**
 * Sessions in Chromium, on a server of its own: once the first admin exists, setup is done (`POST /api/setup`
 * answers 409 and /setup leads to the login page); a user enrolled in TOTP is asked for the authenticator's code
 * after the password (the code computed with the server's own totp module) and signed in with it; signing out
 * from the user menu ends the session. First-run setup and login through the forms are in ui-browser.test.ts.
 *
 * Without Chromium the file skips (with CI=true it fails).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { TOTP_STEP_MS, totpCode } from '../packages/server/src/users/totp.js';
import {
  browserSkip,
  createUser,
  launchBrowser,
  loginContext,
  newContext,
  setupCode,
  startUiServer,
  type UiServer,
  watchPage,
} from './support/browser.js';
import { field, fill, heading, PASSWORD, USER_NAME } from './support/ui-actions.js';

const ADMIN = { name: 'ada', password: 'correct-horse-battery-staple' };
const TOTP_USER = { name: 'tom', password: 'second-factor-password' };

describe('sessions in Chromium: setup done, TOTP, sign-out', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page };
  const contexts: BrowserContext[] = [];

  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    const context = await newContext(browser, ui);
    contexts.push(context);
    // The first admin through the API on the context's own request client: the session cookie is the page's.
    const res = await context.request.post('/api/setup', { data: { ...ADMIN, setupCode: setupCode(ui) } });
    assert.equal(res.status(), 201, await res.text());
    admin = { context, page: watchPage(await context.newPage()) };
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
  });

  async function freshPage(): Promise<Page> {
    const context = await newContext(browser, ui);
    contexts.push(context);
    return watchPage(await context.newPage());
  }

  it('says setup is done once a user exists: POST /api/setup 409, /setup leads to the login page', async () => {
    const again = await fetch(`${ui.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // The setup code is spent; the admin token is a setup code too, and still no second first admin.
      body: JSON.stringify({ name: 'mallory', password: 'another-password-1', setupCode: ui.token }),
    });
    assert.equal(again.status, 409, await again.text());
    const page = await freshPage();
    await page.goto('/setup');
    await page.waitForURL(/\/login/);
    assert.match(await heading(page), /sign in|log in/i);
    assert.equal(await page.getByLabel(/setup code/i).count(), 0, 'no setup form');
  });

  it("asks a TOTP-enrolled user for the authenticator's code and signs in with it", async () => {
    await createUser(ui, TOTP_USER.name, TOTP_USER.password, 'editor');
    const enrolled = await loginContext(browser, ui, TOTP_USER.name, TOTP_USER.password);
    contexts.push(enrolled.context);
    const headers = { 'x-csrf-token': enrolled.csrfToken };
    const begun = await enrolled.context.request.post('/api/session/totp', { headers });
    assert.equal(begun.status(), 200, await begun.text());
    const { secret } = await begun.json();
    const confirmed = await enrolled.context.request.post('/api/session/totp/confirm', {
      headers,
      data: { code: totpCode(secret, Date.now()) },
    });
    assert.ok(confirmed.ok(), await confirmed.text());

    const page = await freshPage();
    await page.goto('/login');
    await fill(page, USER_NAME, TOTP_USER.name);
    await fill(page, PASSWORD, TOTP_USER.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    const code = await field(page, /authentication code/i);
    assert.equal(new URL(page.url()).pathname, '/login', 'not signed in without the code');
    // The next step's code: the one confirmed above may not be used twice, and the server takes a step either side.
    await code.fill(totpCode(secret, Date.now() + TOTP_STEP_MS));
    await page.getByRole('button', { name: /verify|sign in/i }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await heading(page);
    const { user } = await (await page.request.get('/api/session')).json();
    assert.equal(user.name, TOTP_USER.name);
    assert.equal(user.totp, true);
  });

  it('signs out from the user menu: the session ends and the login page shows', async () => {
    const { page } = admin;
    await page.goto('/');
    await heading(page);
    await page.getByRole('button', { name: new RegExp(`^${ADMIN.name}\\b`) }).click();
    await page.getByRole('button', { name: /sign out/i }).click();
    await page.waitForURL(/\/login/);
    await heading(page);
    assert.equal((await page.request.get('/api/session')).status(), 401, 'the cookie no longer signs in');
    await page.goto('/monitors');
    await page.waitForURL(/\/login/);
  });
});
