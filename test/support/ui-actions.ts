/**
 * What the browser tests do on a page, written against the contract's hooks only (an h1 per page, `<label for>`
 * with visible text, buttons with visible text, `data-testid` rows, `data-state` badges), so that markup may change
 * under them.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';

/** The field labelled `label`; fails when no field has that label. */
export async function field(page: Page, label: RegExp): Promise<Locator> {
  const found = page.getByLabel(label);
  await found.first().waitFor({ state: 'visible' });
  return found.first();
}

/** Fills the field labelled `label`; a duration in a number input is given in seconds. */
export async function fill(page: Page, label: RegExp, value: string): Promise<void> {
  const input = await field(page, label);
  const type = await input.getAttribute('type');
  const seconds = /^(\d+)s$/.exec(value);
  await input.fill(type === 'number' && seconds ? seconds[1] : value);
}

/** Fills the field labelled `label` when the form has one (optional fields of a form the test does not own). */
export async function fillIfPresent(page: Page, label: RegExp, value: string): Promise<boolean> {
  const found = page.getByLabel(label);
  if (!(await found.count())) return false;
  await found.first().fill(value);
  return true;
}

/** Picks `value` in the select labelled `label` (by value, else by visible text), when there is one. */
export async function chooseIfPresent(page: Page, label: RegExp, value: string): Promise<boolean> {
  const found = page.getByLabel(label);
  if (!(await found.count())) return false;
  const select = found.first();
  if ((await select.evaluate('(e) => e.tagName')) !== 'SELECT') return false;
  await select.selectOption(value).catch(() => select.selectOption({ label: value.toUpperCase() }));
  return true;
}

/** The page's main heading; fails when it has none or when it is a "not found" page. */
export async function heading(page: Page): Promise<string> {
  const h1 = page.locator('h1').first();
  await h1.waitFor({ state: 'visible' });
  const text = ((await h1.textContent()) ?? '').trim();
  assert.ok(text, `${page.url()}: the h1 has no text`);
  assert.doesNotMatch(text, /not found|404/i, `${page.url()}: a not-found page`);
  return text;
}

/** The state badge inside `scope` (a row), as a locator that matches `state` in any letter case. */
export function badge(scope: Locator, state: string): Locator {
  return scope.locator(`[data-state="${state}" i]`).first();
}

/** Marks the document, so that a later `assertNoReload` can tell a live update from a page load. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.__tocsinNoReload = true');
}

export async function assertNoReload(page: Page): Promise<void> {
  assert.equal(await page.evaluate('window.__tocsinNoReload === true'), true, 'the page was not reloaded');
}

/**
 * Every write control named `name` on the page is hidden or disabled: buttons disabled (or absent), links absent.
 * Says which control a viewer could still use.
 */
export async function assertNoWriteControls(page: Page, name: RegExp): Promise<void> {
  for (const role of ['button', 'link'] as const) {
    const found = page.getByRole(role, { name });
    for (let i = 0; i < (await found.count()); i++) {
      const el = found.nth(i);
      if (!(await el.isVisible())) continue;
      const label = ((await el.textContent()) ?? '').trim();
      if (role === 'link') assert.fail(`${page.url()}: a viewer sees the link "${label}"`);
      assert.ok(await el.isDisabled(), `${page.url()}: a viewer can press the button "${label}"`);
    }
  }
}

/** A fetch from the page (its cookies, no bearer token), with an optional X-CSRF-Token; status and JSON. */
export async function pageFetch(
  page: Page,
  method: string,
  pathname: string,
  body?: unknown,
  csrfToken?: string,
): Promise<{ status: number; json: any }> {
  const init = JSON.stringify({
    method,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await page.evaluate(
    `fetch(${JSON.stringify(pathname)}, ${init}).then(async (r) => {
      const text = await r.text();
      let json;
      try { json = text ? JSON.parse(text) : undefined; } catch { json = text; }
      return { status: r.status, json };
    })`,
  )) as { status: number; json: any };
}

/**
 * Notes (by the page's Date.now()) when the state badge in the row `testId` first shows `state`; read it with
 * `badgeSeenAt`. A MutationObserver, so the time is the page's, not the test's polling.
 */
export async function watchBadge(page: Page, testId: string, state: string): Promise<void> {
  await page.evaluate(`(() => {
    window.__tocsinSeen?.observer.disconnect();
    const want = ${JSON.stringify(state.toUpperCase())};
    const seen = { at: 0, observer: undefined };
    const look = () => {
      const b = document.querySelector('[data-testid=${JSON.stringify(testId)}] [data-state]');
      if (!seen.at && b && b.getAttribute('data-state').toUpperCase() === want) seen.at = Date.now();
    };
    seen.observer = new MutationObserver(look);
    seen.observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    window.__tocsinSeen = seen;
  })()`);
}

/** When the badge `watchBadge` watches first showed its state (epoch ms); fails when it has not. */
export async function badgeSeenAt(page: Page): Promise<number> {
  const at = Number(await page.evaluate('window.__tocsinSeen?.at ?? 0'));
  assert.ok(at > 0, 'the watched badge never showed the state');
  return at;
}

/** The sign-in forms' labels as rendered: the text, then " (required)" on a required field. */
export const USER_NAME = /^(user ?)?name( \(required\))?$/i;
export const PASSWORD = /^password( \(required\))?$/i;
