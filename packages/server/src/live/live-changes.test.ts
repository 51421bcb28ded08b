import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { TEST_ADMIN_TOKEN, call, createTestApp } from '../test-support/test-app.js';
import { readUntil } from '../test-support/event-stream-reader.js';
import { testDatabases } from '../test-support/test-databases.js';

const alarm = {
  namespace: 'Host',
  metricName: 'DiskUsed',
  statistic: 'Average',
  period: '5m',
  evaluationPeriods: 1,
  threshold: 70,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
};

/** The stream's messages after hello: `change type name state` or `resync`. */
function messages(text: string): string[] {
  return text
    .split('\n\n')
    .filter((m) => m.startsWith('event: change') || m.startsWith('event: resync'))
    .map((m) => {
      if (m.startsWith('event: resync')) return 'resync';
      const c = JSON.parse(m.split('data: ')[1]);
      return `${c.type} ${c.name} ${c.state}`;
    });
}

for (const variant of await testDatabases()) {
  describe(`live changes of alarms, maintenance, status pages, incidents and config on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(Date.UTC(2026, 2, 10, 12));
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      await call(tocsin, 'PUT', '/api/monitors/site', { type: 'http', url: 'http://127.0.0.1:9/', paused: true });
      await new Promise((resolve) => setImmediate(resolve)); // its change goes out before any stream opens
    });
    after(() => dispose());

    const open = async () => {
      const res = await tocsin.http.request('/api/live', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      assert.equal(res.status, 200);
      return res.body!;
    };
    const ok = async (method: string, url: string, body?: unknown) => {
      const res = await call(tocsin, method, url, body);
      assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${res.text}`);
      return res.json;
    };

    it('sends created, updated and deleted for alarms and maintenance windows', async () => {
      const body = await open();
      await ok('PUT', '/api/alarms/disk', alarm);
      await ok('PUT', '/api/alarms/disk', { ...alarm, threshold: 80 });
      await ok('DELETE', '/api/alarms/disk');
      const at = (h: number) => new Date(clock.now() + h * 3600_000).toISOString();
      await ok('PUT', '/api/maintenance/db', { start: at(-1), end: at(1), monitors: ['site'] });
      await ok('PUT', '/api/maintenance/db', { start: at(2), end: at(3), monitors: ['site'] });
      await ok('DELETE', '/api/maintenance/db');
      const r = await readUntil(body, (t) => t.includes('"type":"maintenance","name":"db","state":"deleted"'));
      assert.deepEqual(messages(r.text), [
        'alarm disk created',
        'alarm disk updated',
        'alarm disk deleted',
        'maintenance db created',
        'maintenance db updated',
        'maintenance db deleted',
      ]);
      const firstWindow = r.text.split('\n\n').find((m) => m.includes('"type":"maintenance"'))!;
      assert.equal(JSON.parse(firstWindow.split('data: ')[1]).active, true);
      await r.cancel();
    });

    it('sends status-page and incident changes, with the page and status of an incident', async () => {
      const body = await open();
      await ok('POST', '/api/status-pages', { slug: 'acme', title: 'Acme' });
      await ok('PUT', '/api/status-pages/acme', { title: 'Acme Inc' });
      const incident = await ok('POST', '/api/status-pages/acme/incidents', { title: 'Slow', body: 'looking' });
      await ok('POST', `/api/status-pages/acme/incidents/${incident.id}/updates`, { status: 'resolved', body: 'ok' });
      await ok('DELETE', `/api/status-pages/acme/incidents/${incident.id}`);
      await ok('DELETE', '/api/status-pages/acme');
      const r = await readUntil(body, (t) => t.includes('"type":"status-page","name":"acme","state":"deleted"'));
      assert.deepEqual(messages(r.text), [
        'status-page acme created',
        'status-page acme updated',
        `incident ${incident.id} created`,
        `incident ${incident.id} updated`,
        `incident ${incident.id} deleted`,
        'status-page acme deleted',
      ]);
      const update = r.text.split('\n\n').find((m) => m.includes(`"state":"updated"`) && m.includes('incident'))!;
      const data = JSON.parse(update.split('data: ')[1]);
      assert.deepEqual([data.page, data.title, data.status], ['acme', 'Slow', 'resolved']);
      await r.cancel();
    });

    it('sends one resync after a config apply commits, and none of its changes one by one', async () => {
      const body = await open();
      const doc = {
        version: 1,
        monitors: [{ name: 'from-config', type: 'http', url: 'http://127.0.0.1:9/', paused: true }],
        alarms: [{ name: 'cfg-disk', ...alarm }],
        maintenance: [
          { name: 'cfg-window', start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z', monitors: ['site'] },
        ],
        status_pages: [{ slug: 'cfg', title: 'Cfg' }],
      };
      assert.equal((await ok('POST', '/api/config/apply', { config: doc, dryRun: true })).applied, false);
      const applied = await ok('POST', '/api/config/apply', { config: doc });
      assert.equal(applied.changes.length, 4);
      assert.deepEqual((await ok('POST', '/api/config/apply', { config: doc })).changes, [], 'no changes: no resync');
      await ok('PUT', '/api/alarms/after', alarm);
      const r = await readUntil(body, (t) => t.includes('"name":"after"'));
      assert.deepEqual(messages(r.text), ['resync', 'alarm after created']);
      await r.cancel();
    });
  });
}
