/**
 * The browser tests' harness: Debian's Chromium driven by playwright-core (never the `playwright` package, which
 * downloads browsers), a Tocsin server process with a temporary data dir serving the built web app, first-run
 * setup, a browser context per user role, axe-core on a page, and screenshots in light and dark.
 *
 * Chromium is $TOCSIN_CHROMIUM (.ci/run exports it) or /usr/bin/chromium. Without it a test file skips with a
 * message saying how to install it; with CI=true it fails instead. Screenshots go to test-artifacts/screenshots/
 * (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { repoRoot, startServer, type ServerProcess } from './server-process.js';
import { ensureWebBuilt } from './web-build.js';

export const chromiumPath = process.env.TOCSIN_CHROMIUM || '/usr/bin/chromium';
export const screenshotDir = path.join(repoRoot, 'test-artifacts/screenshots');
const launchArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * Why a browser test file skips: a message when Chromium is missing and this is not CI, else false (the file runs;
 * under CI=true a missing Chromium then fails at launch, as a missing PostgreSQL does).
 */
export function browserSkip(): string | false {
  if (existsSync(chromiumPath) || process.env.CI === 'true') return false;
  return `no Chromium at ${chromiumPath}: install Debian's (apt-get install chromium) or set TOCSIN_CHROMIUM`;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath} (CI=true: .ci/run installs it with apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: chromiumPath, args: launchArgs });
}

export interface UiServer {
  url: string;
  dataDir: string;
  /** The admin API token the server started with (TOCSIN_ADMIN_TOKEN). */
  token: string;
  server: ServerProcess;
  stop(): Promise<void>;
}

/** Builds the web app if needed, then starts a server on a fresh data dir (removed at stop). */
export async function startUiServer(env: Record<string, string> = {}): Promise<UiServer> {
  const build = ensureWebBuilt((line) => process.stderr.write(`# ${line}\n`));
  if (build.built) process.stderr.write(`# web app built in ${build.seconds.toFixed(1)} s\n`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-ui-'));
  const token = 'ui-browser-admin-token-0123456789';
  let server: ServerProcess;
  try {
    server = await startServer({ TOCSIN_DATA_DIR: dataDir, TOCSIN_ADMIN_TOKEN: token, ...env });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url,
    dataDir,
    token,
    server,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The one-time setup code: `<data dir>/setup-code`, or the line the server logged (it logs it at info). */
export function setupCode(ui: UiServer): string {
  const file = path.join(ui.dataDir, 'setup-code');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const logged = /setup code:?\s+(tcs_\S+)/i.exec(ui.server.output());
  if (logged) return logged[1];
  throw new Error(`no ${file} and no setup code in the server's output:\n${ui.server.output().slice(-2000)}`);
}

/** A context whose pages prefer `colorScheme`; the app's own CSP stays on (axe goes in by DevTools evaluation). */
export async function newContext(browser: Browser, ui: UiServer, colorScheme: 'light' | 'dark' = 'light') {
  const context = await browser.newContext({
    baseURL: ui.url,
    colorScheme,
    viewport: { width: 1280, height: 800 },
    timezoneId: 'Europe/Paris',
    locale: 'en-GB',
  });
  context.setDefaultTimeout(10_000);
  return context;
}

export interface RoleSession {
  context: BrowserContext;
  page: Page;
  csrfToken: string;
}

/**
 * Logs `name` in through `POST /api/session` on the context's own request client, so the session cookie lands in
 * the context's cookie jar as a browser login would leave it; one page opened on `/`.
 */
export async function loginContext(browser: Browser, ui: UiServer, name: string, password: string) {
  const context = await newContext(browser, ui);
  const res = await context.request.post('/api/session', { data: { name, password } });
  if (res.status() !== 200) throw new Error(`login of ${name}: ${res.status()} ${await res.text()}`);
  const session = await res.json();
  const page = await context.newPage();
  watchPage(page);
  return { context, page, csrfToken: session.csrfToken as string } satisfies RoleSession;
}

/** A user of `role` made with the admin token (`POST /api/users`). */
export async function createUser(ui: UiServer, name: string, password: string, role: string): Promise<void> {
  const res = await fetch(`${ui.url}/api/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ui.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, password, role }),
  });
  if (res.status !== 201) throw new Error(`POST /api/users ${name}: ${res.status} ${await res.text()}`);
}

const problems = new WeakMap<Page, string[]>();

/** Records a page's uncaught errors and CSP violations, which `pageProblems` reports. */
export function watchPage(page: Page): Page {
  const list: string[] = [];
  problems.set(page, list);
  page.on('pageerror', (err) => list.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) list.push(`CSP: ${msg.text()}`);
  });
  return page;
}

/** The problems `watchPage` saw since the last call (and forgets them). */
export function pageProblems(page: Page): string[] {
  const list = problems.get(page) ?? [];
  return list.splice(0, list.length);
}

/**
 * Waits until the page shows its heading and nothing says it is still loading (`aria-busy="true"`), then two
 * frames, so that axe and screenshots see the page's settled state.
 */
export async function settle(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor({ state: 'visible' });
  await waitForExpression(page, 'document.querySelectorAll(\'[aria-busy="true"]\').length === 0', 5000).catch(() => {});
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/**
 * Polls the JavaScript `expression` in the page (every 25 ms) until it is truthy; throws after `timeoutMs`.
 * Not `page.waitForFunction`: with a string it evaluates it inside the page, which the app's CSP (no
 * 'unsafe-eval') refuses; `page.evaluate` goes through DevTools and is not subject to it.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(expression).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface AxeNode {
  target: string[];
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

/** axe's serious and critical violations, one paragraph each: rule, impact, help, the first elements. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.slice(0, 5).map((n) => {
        const why = (n.failureSummary ?? '').split('\n').slice(1, 2).join('').trim();
        return `    ${n.target.join(' ')}${why ? `: ${why}` : ''}`;
      });
      const more = v.nodes.length > 5 ? [`    … and ${v.nodes.length - 5} more`] : [];
      return [`  ${v.id} (${v.impact}): ${v.help} <${v.helpUrl}>`, ...nodes, ...more].join('\n');
    })
    .join('\n');
}

/**
 * Runs axe-core on the page as it is and throws on serious or critical violations, listed readably. axe goes in
 * by DevTools evaluation: `addScriptTag({ content })` is an inline script, which the app's CSP rightly refuses.
 */
export async function axeCheck(page: Page, name: string): Promise<void> {
  if ((await page.evaluate('typeof axe')) === 'undefined') await page.evaluate(axe.source);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })),
    })))`,
  )) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    throw new Error(`axe on ${name} (${page.url()}): ${bad.length} serious or critical\n${formatViolations(bad)}`);
  }
}

/** `name` made safe as a file name: `/monitors/:name` → `monitors-name`. */
export function artifactName(name: string): string {
  return (
    name
      .replace(/^\/+/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'overview'
  );
}

/**
 * Writes `<name>-light.png` and `<name>-dark.png` (full page) to test-artifacts/screenshots/, switching the
 * page's preferred colour scheme, and leaves it light. Returns the paths.
 */
export async function screenshot(page: Page, name: string): Promise<string[]> {
  mkdirSync(screenshotDir, { recursive: true });
  const files: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const file = path.join(screenshotDir, `${artifactName(name)}-${colorScheme}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return files;
}

/** axe in light and in dark (contrast differs), then the two screenshots; throws with every violation found. */
export async function checkPage(page: Page, name: string): Promise<void> {
  const errors: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await axeCheck(page, `${name} (${colorScheme})`).catch((err: Error) => errors.push(err.message));
  }
  await screenshot(page, name);
  const seen = pageProblems(page);
  if (seen.length) errors.push(`${name}: the page reported\n  ${seen.join('\n  ')}`);
  if (errors.length) throw new Error(errors.join('\n'));
}
