/**
 * bench/ui phase C: Chromium (playwright-core, as the browser tests launch it) loads the overview and the monitor
 * list of a server holding N monitors, timed by the browser itself. An init script in each document watches the
 * DOM (MutationObserver) and notes `performance.now()` (ms since navigation start) at the frame after each of:
 * the h1 shown; nothing `aria-busy="true"` any more with an h1 shown (settled); the first `monitor-row-*` row;
 * and, after the filter's text is set (one input event), the first frame whose first row is the one filtered for.
 * Long tasks are summed; the page's own performance marks are reported too.
 */
import type { Browser, Page } from 'playwright-core';
import { waitForExpression } from '../../test/support/browser.js';

/** What the init script leaves in `window.__bench`. */
export interface PageTiming {
  h1?: number;
  settled?: number;
  rows?: number;
  inputAt?: number;
  filtered?: number;
  longTasks: number;
  longTaskMs: number;
  domContentLoaded?: number;
  load?: number;
  marks: Record<string, number>;
}

export interface TimingRun {
  route: string;
  run: number;
  timing?: PageTiming;
  /** Filter keystroke (input event) to the filtered first row's frame, ms. */
  filterMs?: number;
  error?: string;
}

const initScript = `(() => {
  const b = (window.__bench = { longTasks: 0, longTaskMs: 0, marks: {} });
  const at = (key) => { if (b[key] === undefined && !b['_' + key]) { b['_' + key] = 1;
    requestAnimationFrame(() => { b[key] = performance.now(); }); } };
  const check = () => {
    const h1 = document.querySelector('h1');
    if (h1) at('h1');
    if (h1 && !document.querySelector('[aria-busy="true"]')) at('settled');
    const first = document.querySelector('[data-testid^="monitor-row-"]');
    if (first) at('rows');
    if (b.inputAt !== undefined && b.expect && first && first.getAttribute('data-testid') === b.expect) at('filtered');
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener('input', () => { if (b.inputAt === undefined) b.inputAt = performance.now(); }, true);
  try {
    const po = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) { b.longTasks++; b.longTaskMs += e.duration; }
    });
    po.observe({ type: 'longtask', buffered: true });
  } catch {}
})();`;

const collect = `(() => {
  const b = window.__bench;
  const nav = performance.getEntriesByType('navigation')[0];
  const marks = {};
  for (const m of performance.getEntriesByType('mark')) marks[m.name] = m.startTime;
  return { h1: b.h1, settled: b.settled, rows: b.rows, inputAt: b.inputAt, filtered: b.filtered,
    longTasks: b.longTasks, longTaskMs: b.longTaskMs, marks,
    domContentLoaded: nav ? nav.domContentLoadedEventEnd : undefined, load: nav ? nav.loadEventEnd : undefined };
})()`;

async function waitFor(page: Page, key: keyof PageTiming, timeoutMs: number): Promise<void> {
  // Polled through page.evaluate: page.waitForFunction would eval the string in the page, which its CSP refuses.
  // The figures are the init script's frame times, so the polling's period does not change them.
  await waitForExpression(page, `window.__bench && window.__bench[${JSON.stringify(key)}] !== undefined`, timeoutMs);
}

/** One load of `route`; on the monitor list, then a filter for `filterFor` typed into the page's filter. */
async function timeOnce(page: Page, route: string, filterFor: string | undefined, timeoutMs: number) {
  await page.goto(route, { waitUntil: 'commit' });
  await waitFor(page, 'settled', timeoutMs);
  if (!filterFor) return { timing: (await page.evaluate(collect)) as PageTiming };
  await waitFor(page, 'rows', timeoutMs);
  const filter = page
    .getByRole('searchbox')
    .or(page.getByLabel(/filter|search/i))
    .or(page.getByPlaceholder(/filter|search/i))
    .first();
  await filter.click({ timeout: 5000 });
  await page.evaluate(`window.__bench.expect = ${JSON.stringify(`monitor-row-${filterFor}`)}`);
  // One input event with the whole text: the figure is the app's filtering, not Playwright's typing.
  await filter.fill(filterFor);
  await waitFor(page, 'filtered', timeoutMs);
  const timing = (await page.evaluate(collect)) as PageTiming;
  return { timing, filterMs: timing.filtered! - timing.inputAt! };
}

/**
 * `runs` loads each of the overview and the monitor list in one logged-in context (the first cold, the rest with
 * the bundle cached). `login` puts a session cookie in the context.
 */
export async function timePages(
  browser: Browser,
  base: string,
  login: (request: import('playwright-core').APIRequestContext) => Promise<void>,
  opts: { runs: number; filterFor: string; timeoutMs: number },
): Promise<TimingRun[]> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  try {
    await login(context.request);
    await context.addInitScript({ content: initScript });
    const page = await context.newPage();
    const out: TimingRun[] = [];
    for (const [route, filterFor] of [
      ['/', undefined],
      ['/monitors', opts.filterFor],
    ] as const) {
      for (let run = 1; run <= opts.runs; run++) {
        try {
          out.push({ route, run, ...(await timeOnce(page, route, filterFor, opts.timeoutMs)) });
        } catch (err) {
          out.push({ route, run, error: (err as Error).message.split('\n')[0] });
        }
      }
    }
    return out;
  } finally {
    await context.close();
  }
}

const f = (ms: number | undefined) => (ms === undefined ? '-' : ms.toFixed(0));

/** One line a load: the browser's own times in ms since navigation start. */
export function formatTiming(r: TimingRun): string {
  const head = `${r.route.padEnd(9)} run ${r.run}:`;
  if (r.error || !r.timing) return `${head} FAILED: ${r.error}`;
  const t = r.timing;
  const marks = Object.entries(t.marks)
    .map(([k, v]) => `${k} ${f(v)}`)
    .join(', ');
  // Interactive: the overview settled; the list's first rows shown (and its filter answering, given beside).
  const interactive = t.rows ?? t.settled;
  return (
    `${head} interactive ${f(interactive)} ms; ` +
    `DOMContentLoaded ${f(t.domContentLoaded)}, h1 ${f(t.h1)}, settled ${f(t.settled)}` +
    `${t.rows === undefined ? '' : `, first rows ${f(t.rows)}`}` +
    `${r.filterMs === undefined ? '' : `, filter keystroke → filtered rows ${f(r.filterMs)}`} ms; ` +
    `long tasks ${t.longTasks} (${f(t.longTaskMs)} ms)${marks ? `; marks: ${marks}` : ''}`
  );
}
