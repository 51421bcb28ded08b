import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import type { TocsinError } from '../core/errors.js';
import { createTestApp } from '../test-support/test-app.js';

describe('status_pages config section', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => ({ tocsin, dispose } = await createTestApp('sqlite')));
  after(() => dispose());

  const doc = {
    monitors: [{ name: 'site', type: 'http', url: 'http://127.0.0.1:9/', paused: true }],
    heartbeats: [{ name: 'nightly', period: '1d', grace: '1h' }],
    status_pages: [
      {
        slug: 'public',
        title: 'Acme status',
        footer: 'ops@acme.test',
        items: [
          { type: 'monitor', name: 'site', label: 'Web site' },
          { type: 'heartbeat', name: 'nightly' },
        ],
      },
    ],
  };

  it('plans in a dry run, applies items declared in the same file, and exports what it applied', async () => {
    const dry = await tocsin.config.apply({ config: doc, dryRun: true });
    assert.ok(dry.changes.some((c) => c.resource === 'status page' && c.action === 'create' && c.name === 'public'));
    assert.equal((await tocsin.statusPages.list()).length, 0);
    await tocsin.config.apply({ config: doc });
    const exported = await tocsin.config.export();
    assert.deepEqual(exported.status_pages, doc.status_pages);
    const again = await tocsin.config.apply({ config: exported });
    assert.deepEqual(
      again.changes.filter((c) => c.resource === 'status page'),
      [],
      'the export applies back with no change',
    );
    const changed = await tocsin.config.apply({
      config: { status_pages: [{ ...doc.status_pages[0], title: 'New' }] },
      dryRun: true,
    });
    assert.deepEqual(changed.changes, [
      { action: 'update', resource: 'status page', name: 'public', fields: ['title'] },
    ]);
  });

  it('names the item that does not exist and the slug declared twice', async () => {
    const page = { slug: 'x', title: 'x', items: [{ type: 'group', name: 'nope' }] };
    await assert.rejects(tocsin.config.apply({ config: { status_pages: [page] } }), (err: TocsinError) =>
      err.message.includes("status_pages.0.items.0.name: group 'nope' does not exist"),
    );
    await assert.rejects(
      tocsin.config.apply({
        config: {
          status_pages: [
            { slug: 'x', title: 'x' },
            { slug: 'x', title: 'y' },
          ],
        },
      }),
      (err: TocsinError) => err.message.includes("status_pages.1.slug: status page 'x' is declared twice"),
    );
  });

  it('prunes pages the file leaves out', async () => {
    const res = await tocsin.config.apply({ config: { ...doc, status_pages: [] }, prune: true });
    assert.ok(res.changes.some((c) => c.resource === 'status page' && c.action === 'delete'));
    assert.equal((await tocsin.statusPages.list()).length, 0);
  });
});
