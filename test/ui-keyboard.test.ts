/**
 * The web UI by keyboard alone, in Chromium: sign in with Enter; the first Tab reaches the skip link, which moves
 * focus to the content; Tab goes top bar, then sidebar (in its order), then the page, each stop with a visible
 * focus ring; `/` focuses the page filter; the user menu opens with Enter and Escape closes it, giving focus back
 * to its button; a confirm dialog takes focus, keeps it on Tab and Shift+Tab, closes on Escape and gives focus
 * back to the button that opened it. One server and one Chromium; a few seconds. Without Chromium it skips.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  browserSkip,
  launchBrowser,
  newContext,
  setupCode,
  startUiServer,
  type UiServer,
  watchPage,
  pageProblems,
} from './support/browser.js';
import { fill, heading, PASSWORD, USER_NAME } from './support/ui-actions.js';
import { adminCall } from './support/ui-seed.js';

const ADMIN = { name: 'kay', password: 'keyboard-only-password-1' };

interface Focused {
  text: string;
  tag: string;
  where: 'skip' | 'topbar' | 'sidebar' | 'main' | 'dialog' | 'other';
  ring: boolean;
  filter: boolean;
}

/** What has focus: its text, where it sits in the layout, and whether a focus ring shows (outline or shadow). */
async function focused(page: Page): Promise<Focused> {
  return (await page.evaluate(`(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    const where = el.classList.contains('skip-link') ? 'skip' : el.closest('dialog') ? 'dialog'
      : el.closest('.topbar') ? 'topbar' : el.closest('#sidebar') ? 'sidebar' : el.closest('#main') ? 'main' : 'other';
    return { text: (el.textContent || el.getAttribute('aria-label') || '').trim(), tag: el.tagName, where, ring,
      filter: el.hasAttribute('data-page-filter') };
  })()`)) as Focused;
}

/** Whether `el` has focus. */
function isFocused(el: Locator): Promise<boolean> {
  return el.evaluate((e) => (e as unknown as { matches(selector: string): boolean }).matches(':focus'));
}

describe('the web UI by keyboard', { skip: browserSkip() }, () => {
  let ui: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    await adminCall(ui, 'POST', '/api/setup', { ...ADMIN, setupCode: setupCode(ui) }, 201);
    await adminCall(ui, 'POST', '/api/heartbeats', { name: 'db-backup', period: '1d', grace: '1h' }, 201);
    await adminCall(ui, 'POST', '/api/heartbeats', { name: 'log-rotate', period: '1h', grace: '5m' }, 201);
    context = await newContext(browser, ui);
    page = watchPage(await context.newPage());
  });
  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await ui?.stop();
  });

  it('signs in with Enter in the password field', async () => {
    await page.goto('/login');
    await fill(page, USER_NAME, ADMIN.name);
    await fill(page, PASSWORD, ADMIN.password);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await heading(page);
  });

  it('tabs from the skip link through the top bar and the sidebar to the page, with focus always visible', async () => {
    await page.goto('/heartbeats');
    await page.getByTestId('heartbeat-row-db-backup').waitFor({ state: 'visible' });
    await page.keyboard.press('Tab');
    const skip = await focused(page);
    assert.deepEqual([skip.where, skip.text, skip.ring], ['skip', 'Skip to content', true]);
    const box = await page.locator('.skip-link').boundingBox();
    assert.ok(box && box.y >= 0, 'the focused skip link is on screen');

    const stops: Focused[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      stops.push(f);
      if (f.where === 'main') break;
    }
    const areas = stops.map((s) => s.where).filter((w, i, all) => w !== all[i - 1]);
    assert.deepEqual(areas, ['topbar', 'sidebar', 'main'], JSON.stringify(stops.map((s) => `${s.where}:${s.text}`)));
    const missing = stops.filter((s) => !s.ring).map((s) => `${s.where}:${s.text}`);
    assert.deepEqual(missing, [], 'every stop shows a focus ring');
    const navOrder = await page.locator('#sidebar a').allTextContents();
    assert.deepEqual(
      stops.filter((s) => s.where === 'sidebar').map((s) => s.text),
      navOrder.map((t) => t.trim()),
      'the sidebar in its order',
    );

    while ((await focused(page)).where !== 'skip') await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main', 'the skip link focuses the content');
    assert.equal(new URL(page.url()).pathname, '/heartbeats', 'on the same page');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).where, 'main', 'the next Tab is in the page');
  });

  it('focuses the page filter with /, and filters as one types', async () => {
    await page.locator('h1').click();
    await page.keyboard.press('/');
    assert.equal((await focused(page)).filter, true, '/ focuses the filter');
    await page.keyboard.type('log');
    await page.getByTestId('heartbeat-row-db-backup').waitFor({ state: 'detached' });
    await page.getByTestId('heartbeat-row-log-rotate').waitFor({ state: 'visible' });
    await page.keyboard.press('/');
    assert.equal(await page.locator('[data-page-filter]').inputValue(), 'log/', 'a / typed in a field is text');
  });

  it('opens the user menu with Enter, and Escape closes it with focus back on its button', async () => {
    const button = page.locator('.user-menu > button');
    await button.focus();
    await page.keyboard.press('Enter');
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Account');
    await page.keyboard.press('Escape');
    await page.locator('#user-menu').waitFor({ state: 'detached' });
    assert.equal(await isFocused(button), true, 'focus is back on the button');
  });

  it('keeps focus inside a dialog, closes it with Escape and gives focus back', async () => {
    await page.goto('/heartbeats/db-backup');
    const remove = page.getByRole('button', { name: 'Delete', exact: true });
    await remove.focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor({ state: 'visible' });
    assert.equal((await focused(page)).where, 'dialog', 'focus moves into the dialog');
    const seen = new Set<string>();
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      const f = await focused(page);
      assert.equal(f.where, 'dialog', `after ${key}, focus is still in the dialog (${f.text})`);
      assert.equal(f.ring, true, `${f.text} shows its focus`);
      seen.add(f.text);
    }
    assert.ok(seen.has('Cancel') && seen.has('Delete heartbeat'), [...seen].join(', '));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await isFocused(remove), true, 'focus is back on Delete');
    assert.equal(await heading(page), 'db-backup', 'nothing was deleted');
    assert.deepEqual(pageProblems(page), []);
  });
});
