import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import type { StatusPagesModule } from './status-pages-module.js';

const page = {
  title: 'Acme status',
  description: 'How Acme is doing',
  footer: 'Questions: ops@acme.test',
  logoUrl: 'https://acme.test/logo.png',
  items: [
    { type: 'monitor', name: 'site', label: 'Web site' },
    { type: 'heartbeat', name: 'nightly' },
    { type: 'group', name: 'web', label: 'Web tier' },
  ],
};

for (const variant of await testDatabases()) {
  describe(`status page routes on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(Date.UTC(2026, 2, 10, 12));
    const get = (url: string, headers: Record<string, string> = {}) => tocsin.http.request(url, { headers });
    const module = () => tocsin.modules.find((m) => m.name === 'status-pages') as StatusPagesModule;

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      await call(tocsin, 'PUT', '/api/monitors/site', { type: 'http', url: 'http://127.0.0.1:9/', paused: true });
      const hb = await call(tocsin, 'PUT', '/api/heartbeats/nightly', { period: '1d', grace: '1h' });
      await tocsin.groups.put({ name: 'web', selector: { role: 'web' }, expectedSize: 2 });
      assert.equal((await get(`/ping/${hb.json.pingUrl.split('/').pop()}`)).status, 200);
    });
    after(() => dispose());

    it('creates, reads, lists and replaces a page; a second PUT is a 200', async () => {
      const created = await call(tocsin, 'PUT', '/api/status-pages/acme', page);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.slug, 'acme');
      assert.equal(created.json.url, 'http://tocsin.test/status/acme');
      assert.deepEqual(created.json.items, page.items);
      const replaced = await call(tocsin, 'PUT', '/api/status-pages/acme', { ...page, title: 'Acme' });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.json.createdAt, created.json.createdAt);
      assert.equal((await call(tocsin, 'GET', '/api/status-pages/acme')).json.title, 'Acme');
      const list = await call(tocsin, 'GET', '/api/status-pages');
      assert.deepEqual(
        list.json.statusPages.map((p: { slug: string }) => p.slug),
        ['acme'],
      );
      await call(tocsin, 'PUT', '/api/status-pages/acme', page);
    });

    it('creates a page with POST (201) and answers 409 when the slug exists', async () => {
      const created = await call(tocsin, 'POST', '/api/status-pages', { slug: 'posted', title: 'Posted' });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.slug, 'posted');
      assert.equal(created.json.url, 'http://tocsin.test/status/posted');
      assert.deepEqual(created.json.items, []);
      const again = await call(tocsin, 'POST', '/api/status-pages', { slug: 'posted', title: 'Other' });
      assert.equal(again.status, 409);
      assert.equal(again.json.error.code, 'conflict');
      assert.match(again.json.error.message, /'posted' already exists/);
      assert.equal((await call(tocsin, 'GET', '/api/status-pages/posted')).json.title, 'Posted');
      const racing = await Promise.all(
        [1, 2, 3].map(() => call(tocsin, 'POST', '/api/status-pages', { slug: 'raced', title: 'R' })),
      );
      assert.deepEqual(racing.map((r) => r.status).sort(), [201, 409, 409]);
      const unknown = await call(tocsin, 'POST', '/api/status-pages', {
        slug: 'x',
        title: 'x',
        items: [{ type: 'monitor', name: 'nope' }],
      });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.error.details.issues[0].path, 'items.0.name');
      const noSlug = await call(tocsin, 'POST', '/api/status-pages', { title: 'x' });
      assert.equal(noSlug.json.error.details.issues[0].path, 'slug');
      const doc = (await call(tocsin, 'GET', '/api/openapi.json')).json.paths['/api/status-pages'].post;
      assert.ok(doc.responses['201'] && doc.responses['409']);
      for (const slug of ['posted', 'raced']) await call(tocsin, 'DELETE', `/api/status-pages/${slug}`);
    });

    it('answers 400s naming the field: an unknown item, a bad slug, a slug unlike the path', async () => {
      const unknown = await call(tocsin, 'PUT', '/api/status-pages/other', {
        title: 'x',
        items: [...page.items.slice(0, 2), { type: 'monitor', name: 'nope' }],
      });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.error.details.issues[0].path, 'items.2.name');
      assert.match(unknown.json.error.message, /monitor 'nope' does not exist/);
      const badSlug = await call(tocsin, 'PUT', '/api/status-pages/Bad_Slug', { title: 'x' });
      assert.equal(badSlug.status, 400);
      assert.equal(badSlug.json.error.details.issues[0].path, 'slug');
      const mismatch = await call(tocsin, 'PUT', '/api/status-pages/other', { slug: 'else', title: 'x' });
      assert.equal(mismatch.json.error.details.issues[0].path, 'slug');
      const noTitle = await call(tocsin, 'PUT', '/api/status-pages/other', { items: [] });
      assert.equal(noTitle.json.error.details.issues[0].path, 'title');
      const badType = await call(tocsin, 'PUT', '/api/status-pages/other', {
        title: 'x',
        items: [{ type: 'x', name: 'a' }],
      });
      assert.equal(badType.json.error.details.issues[0].path, 'items.0.type');
      assert.equal((await call(tocsin, 'GET', '/api/status-pages/other')).status, 404);
    });

    it('runs an incident: open, update, resolve, reopen, delete; bad bodies name the field', async () => {
      const opened = await call(tocsin, 'POST', '/api/status-pages/acme/incidents', {
        title: 'Slow checkout',
        impact: 'major',
        body: 'Looking into it',
      });
      assert.equal(opened.status, 201, opened.text);
      assert.equal(opened.json.status, 'investigating');
      assert.equal(opened.json.resolvedAt, null);
      const id = opened.json.id;
      clock.advance(60_000);
      const resolved = await call(tocsin, 'POST', `/api/status-pages/acme/incidents/${id}/updates`, {
        status: 'resolved',
        body: 'Fixed',
      });
      assert.equal(resolved.status, 201);
      assert.equal(resolved.json.status, 'resolved');
      assert.equal(resolved.json.resolvedAt, new Date(clock.now()).toISOString());
      assert.deepEqual(
        resolved.json.updates.map((u: { status: string }) => u.status),
        ['investigating', 'resolved'],
      );
      const reopened = await call(tocsin, 'POST', `/api/status-pages/acme/incidents/${id}/updates`, {
        status: 'monitoring',
        body: 'Back again',
      });
      assert.equal(reopened.json.resolvedAt, null);
      const bad = await call(tocsin, 'POST', `/api/status-pages/acme/incidents/${id}/updates`, { status: 'done' });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json.error.details.issues.map((i: { path: string }) => i.path).sort(), ['body', 'status']);
      const badImpact = await call(tocsin, 'POST', '/api/status-pages/acme/incidents', {
        title: 't',
        body: 'b',
        impact: 'huge',
      });
      assert.equal(badImpact.json.error.details.issues[0].path, 'impact');
      assert.equal((await call(tocsin, 'GET', '/api/status-pages/acme/incidents')).json.incidents.length, 1);
      assert.equal((await call(tocsin, 'DELETE', `/api/status-pages/acme/incidents/${id}`)).status, 204);
      assert.equal((await call(tocsin, 'DELETE', `/api/status-pages/acme/incidents/${id}`)).status, 404);
      assert.equal((await call(tocsin, 'GET', '/api/status-pages/acme/incidents')).json.incidents.length, 0);
    });

    it('shows the public JSON without a token: overall status, items, incidents, maintenance', async () => {
      await call(tocsin, 'POST', '/api/status-pages/acme/incidents', { title: 'Partial', impact: 'minor', body: 'Hm' });
      const res = await call(tocsin, 'GET', '/api/public/status/acme', undefined, null);
      assert.equal(res.status, 200, res.text);
      const s = res.json;
      assert.equal(s.title, 'Acme status');
      assert.equal(s.logoUrl, 'https://acme.test/logo.png');
      assert.equal(s.overall, 'partial_outage', 'the group with no member is down, the heartbeat up');
      assert.deepEqual(
        s.items.map((i: { label: string; state: string }) => `${i.label}:${i.state}`),
        ['Web site:paused', 'nightly:up', 'Web tier:down'],
      );
      assert.equal(s.items[0].uptime.days.length, 90);
      assert.equal(s.items[0].uptime.days[89].date, '2026-03-10');
      assert.equal(s.items[0].uptime.days[0].uptime, null);
      assert.equal(s.items[1].uptime.days[89].uptime, 100);
      assert.equal(s.items[2].uptime, null);
      assert.equal(s.items[2].healthy, 0);
      assert.equal(s.items[2].expected, 2);
      assert.equal(s.incidents.open.length, 1);
      assert.equal(s.incidents.open[0].updates[0].body, 'Hm');
      assert.deepEqual(s.maintenance, []);
    });

    it('serves the HTML page with an ETag, a 304 for it, and caching headers', async () => {
      const res = await get('/status/acme');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /text\/html/);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=30');
      assert.match(res.headers.get('content-security-policy')!, /script-src 'sha256-/);
      const html = await res.text();
      assert.match(html, /<main>/);
      assert.match(html, /<h1>Acme status<\/h1>/);
      assert.match(html, /aria-label="Web site: uptime over the last 90 days/);
      assert.match(html, /<title>2026-03-10: no data<\/title>/);
      const etag = res.headers.get('etag')!;
      const again = await get('/status/acme', { 'if-none-match': etag });
      assert.equal(again.status, 304);
      assert.equal(await again.text(), '');
      const json = await get('/api/public/status/acme');
      const jsonAgain = await get('/api/public/status/acme', { 'if-none-match': json.headers.get('etag')! });
      assert.equal(jsonAgain.status, 304);
    });

    it('compresses the page and its JSON once per snapshot for clients that accept it, with an ETag each', async () => {
      const plain = await (await get('/status/acme')).text();
      for (const [encoding, inflate] of [
        ['br', brotliDecompressSync],
        ['gzip', gunzipSync],
      ] as const) {
        const res = await get('/status/acme', { 'accept-encoding': `${encoding}, deflate` });
        assert.equal(res.headers.get('content-encoding'), encoding);
        assert.equal(res.headers.get('vary'), 'Accept-Encoding');
        const bytes = Buffer.from(await res.arrayBuffer());
        assert.ok(bytes.length < plain.length / 3, `${encoding}: ${bytes.length} of ${plain.length} bytes`);
        assert.equal(inflate(bytes).toString('utf8'), plain);
        const etag = res.headers.get('etag')!;
        assert.ok(etag.endsWith(`-${encoding}"`), etag);
        const again = await get('/status/acme', { 'accept-encoding': encoding, 'if-none-match': etag });
        assert.equal(again.status, 304);
        const json = await get('/api/public/status/acme', { 'accept-encoding': encoding });
        assert.equal(json.headers.get('content-encoding'), encoding);
        assert.ok(JSON.parse(inflate(Buffer.from(await json.arrayBuffer())).toString('utf8')).items);
      }
      const snap = await module().snapshots.get('acme');
      assert.deepEqual([...(snap!.html.encoded?.keys() ?? [])].sort(), ['br', 'gzip'], 'each encoding made once');
    });

    it('escapes a <script> title and every other text on the HTML page', async () => {
      await call(tocsin, 'PUT', '/api/status-pages/evil', {
        title: '<script>alert(1)</script>',
        description: '"><img src=x onerror=alert(1)>',
        items: [{ type: 'heartbeat', name: 'nightly', label: '<b>hb</b>' }],
      });
      const html = await (await get('/status/evil')).text();
      assert.doesNotMatch(html, /<script>alert/);
      assert.doesNotMatch(html, /<img src=x/);
      assert.doesNotMatch(html, /<b>hb<\/b>/);
      assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
      assert.equal(html.match(/<script>/g)?.length, 1, 'only the time-zone script');
    });

    it('answers an unknown slug with 404: an HTML page for /status, a JSON error for the API and badges', async () => {
      const page404 = await get('/status/nope');
      assert.equal(page404.status, 404);
      assert.match(await page404.text(), /Status page not found/);
      const api = await call(tocsin, 'GET', '/api/public/status/nope', undefined, null);
      assert.equal(api.status, 404);
      assert.equal(api.json.error.code, 'not_found');
      assert.equal((await get('/api/public/status/..%2Fetc')).status, 404);
      assert.equal((await get('/badge/nope/site/status.svg')).status, 404);
      assert.equal((await get('/badge/acme/unlisted/status.svg')).status, 404);
    });

    it('draws badges, well-formed SVG coloured by state, for items on a page only', async () => {
      const badge = async (url: string) => {
        const res = await get(url);
        assert.equal(res.status, 200, url);
        assert.equal(res.headers.get('content-type'), 'image/svg+xml');
        assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
        const svg = await res.text();
        assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20"[^>]*>.*<\/svg>$/);
        const opened = (svg.match(/<(?!\/)[a-zA-Z]+[^>]*[^/]>/g) ?? []).length;
        const closed = (svg.match(/<\/[a-zA-Z]+>/g) ?? []).length;
        assert.equal(opened, closed, 'every element closed');
        return svg;
      };
      assert.match(await badge('/badge/acme/nightly/status.svg'), /fill="#4c1".*>up</);
      assert.match(await badge('/badge/acme/web/status.svg'), /fill="#e05d44".*>down</);
      assert.match(await badge('/badge/acme/site/status.svg'), /fill="#9f9f9f".*>paused</);
      assert.match(await badge('/badge/acme/nightly/uptime.svg?days=7'), />100%</);
      assert.match(await badge('/badge/acme/site/latency.svg'), />no data</);
      const bad = await call(tocsin, 'GET', '/badge/acme/nightly/uptime.svg?days=3', undefined, null);
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.details.issues[0].path, 'days');
      assert.equal((await get('/badge/acme/nightly/latency.svg')).status, 404);
      assert.equal((await get('/badge/acme/web/uptime.svg')).status, 404);
    });

    it('builds a page once for many concurrent requests, and again at once after an admin change', async () => {
      const cache = module().snapshots.cache;
      module().snapshots.invalidate('acme');
      const before = cache.builds;
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          get(i % 3 === 0 ? '/status/acme' : i % 3 === 1 ? '/api/public/status/acme' : '/badge/acme/web/status.svg'),
        ),
      );
      assert.ok(answers.every((r) => r.status === 200));
      assert.equal(cache.builds - before, 1);
      await call(tocsin, 'POST', '/api/status-pages/acme/incidents', { title: 'New one', body: 'x' });
      const s = (await call(tocsin, 'GET', '/api/public/status/acme', undefined, null)).json;
      assert.ok(s.incidents.open.some((i: { title: string }) => i.title === 'New one'));
      assert.equal(cache.builds - before, 2);
      for (let i = 0; i < 20; i++) await get('/status/unknown-slug');
      assert.equal(cache.builds - before, 3, 'an unknown slug is looked up once');
    });

    it('shows maintenance windows open now or within a week covering an item', async () => {
      const at = (h: number) => new Date(clock.now() + h * 3600_000).toISOString();
      await call(tocsin, 'PUT', '/api/maintenance/db', { start: at(2), end: at(3), monitors: ['site'] });
      await call(tocsin, 'PUT', '/api/maintenance/later', { start: at(24 * 8), end: at(24 * 9), monitors: ['site'] });
      module().snapshots.invalidate('acme');
      const s = (await call(tocsin, 'GET', '/api/public/status/acme', undefined, null)).json;
      assert.deepEqual(s.maintenance, [
        { name: 'db', description: null, startAt: at(2), endAt: at(3), active: false, items: ['Web site'] },
      ]);
      assert.match(await (await get('/status/acme')).text(), /<h2 id="maintenance">Maintenance<\/h2>/);
    });

    it('deletes a page with its incidents', async () => {
      assert.equal((await call(tocsin, 'DELETE', '/api/status-pages/evil')).status, 204);
      assert.equal((await call(tocsin, 'DELETE', '/api/status-pages/evil')).status, 404);
      assert.equal((await get('/status/evil')).status, 404);
    });
  });
}
