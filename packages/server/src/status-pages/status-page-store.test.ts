import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import * as store from './status-page-store.js';

for (const variant of await testDatabases()) {
  describe(`status page store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    const spec = {
      slug: 'acme',
      title: 'Acme',
      description: 'd',
      logoUrl: 'https://a.test/l.png',
      footer: 'f',
      items: [
        { type: 'monitor' as const, name: 'site', label: 'Site' },
        { type: 'group' as const, name: 'web' },
      ],
    };

    it('writes a page, replaces it by slug keeping id and creation, and reads every field back', async () => {
      await store.upsertPage(handle.db, { id: 'p1', spec, createdAt: 1, updatedAt: 1 });
      await store.upsertPage(handle.db, {
        id: 'p2',
        spec: { slug: 'b', title: 'B', items: [] },
        createdAt: 2,
        updatedAt: 2,
      });
      await store.upsertPage(handle.db, {
        id: 'ignored',
        spec: { ...spec, footer: undefined },
        createdAt: 9,
        updatedAt: 5,
      });
      const { footer: _f, ...withoutFooter } = spec;
      assert.deepEqual(await store.pageBySlug(handle.db, 'acme'), {
        id: 'p1',
        spec: withoutFooter,
        createdAt: 1,
        updatedAt: 5,
      });
      assert.deepEqual(
        (await store.listPages(handle.db)).map((p) => p.spec.slug),
        ['acme', 'b'],
      );
    });

    it('inserts a new page only when its slug is free', async () => {
      const page = { id: 'n1', spec: { slug: 'fresh', title: 'Fresh', items: [] }, createdAt: 7, updatedAt: 7 };
      assert.equal(await store.insertPage(handle.db, page), true);
      assert.equal(await store.insertPage(handle.db, { ...page, id: 'n2', spec: { ...page.spec, title: 'X' } }), false);
      assert.deepEqual(await store.pageBySlug(handle.db, 'fresh'), page);
      assert.equal(await store.deletePage(handle.db, 'fresh'), true);
    });

    it('keeps incidents with their updates in order, filters the resolved ones by time', async () => {
      const base = { pageId: 'p1', impact: 'minor' as const, status: 'investigating' as const, resolvedAt: null };
      await store.insertIncident(handle.db, { ...base, id: 'i1', title: 'old', createdAt: 10 });
      await store.insertIncident(handle.db, { ...base, id: 'i2', title: 'new', createdAt: 20 });
      await store.insertIncidentUpdate(handle.db, 'i1', { id: 'u2', status: 'resolved', body: 'done', createdAt: 30 });
      await store.insertIncidentUpdate(handle.db, 'i1', {
        id: 'u1',
        status: 'investigating',
        body: 'hm',
        createdAt: 11,
      });
      await store.setIncidentStatus(handle.db, 'i1', 'resolved', 30);
      const all = await store.listIncidents(handle.db, 'p1');
      assert.deepEqual(
        all.map((i) => i.id),
        ['i2', 'i1'],
      );
      assert.deepEqual(
        all[1].updates.map((u) => u.body),
        ['hm', 'done'],
      );
      assert.equal(all[1].resolvedAt, 30);
      assert.equal(all[1].status, 'resolved');
      assert.deepEqual(
        (await store.listIncidents(handle.db, 'p1', { resolvedSince: 31 })).map((i) => i.id),
        ['i2'],
      );
      assert.deepEqual(
        (await store.listIncidents(handle.db, 'p1', { resolvedSince: 30 })).map((i) => i.id),
        ['i2', 'i1'],
      );
    });

    it('deletes an incident only on its page, and a page with everything under it', async () => {
      assert.equal(await store.deleteIncident(handle.db, 'p2', 'i2'), false);
      assert.equal(await store.deleteIncident(handle.db, 'p1', 'i2'), true);
      assert.equal(await store.deletePage(handle.db, 'acme'), true);
      assert.equal(await store.deletePage(handle.db, 'acme'), false);
      assert.deepEqual(await store.listIncidents(handle.db, 'p1'), []);
      const left = await handle.db.selectFrom('incident_updates').selectAll().execute();
      assert.deepEqual(left, []);
    });
  });
}
