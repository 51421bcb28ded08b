import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { CHECK_JOB } from './monitor-runner.js';

for (const variant of await testDatabases()) {
  describe(`GET /api/monitors/{name}/changes on ${variant.name}`, () => {
    let target: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let failing = false;

    before(async () => {
      target = await new HttpReceiver().start();
      target.respond = () => (failing ? { status: 503, body: 'unavailable' } : { status: 200, body: 'ok' });
      clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
    });
    after(async () => {
      await dispose();
      await target.stop();
    });

    /** Runs the monitor's next check at its due time. */
    async function nextCheck(name: string): Promise<number> {
      const at = tocsin.scheduler.dueAt(CHECK_JOB, tocsin.monitors.get(name).monitor.id)!;
      clock.set(at);
      await tocsin.scheduler.runDue();
      return at;
    }

    it('lists changes newest first with ISO times, reasons, status codes and latency, a page at a time', async () => {
      const created = await call(tocsin, 'POST', '/api/monitors', {
        name: 'web',
        type: 'http',
        url: `${target.url}/`,
        interval: '10s',
        failureThreshold: 1,
      });
      assert.equal(created.status, 201);
      const upAt = await nextCheck('web');
      failing = true;
      const downAt = await nextCheck('web');
      failing = false;
      const empty = await call(tocsin, 'GET', `/api/monitors/web/changes?before=${upAt}`);
      assert.deepEqual(empty.json, { changes: [], next: null });

      const res = await call(tocsin, 'GET', '/api/monitors/web/changes');
      assert.equal(res.status, 200);
      assert.equal(res.json.next, null);
      const [down, up] = res.json.changes;
      assert.deepEqual(Object.keys(down).sort(), ['at', 'from', 'latencyMs', 'reason', 'statusCode', 'to']);
      assert.deepEqual(
        { at: down.at, from: down.from, to: down.to, statusCode: down.statusCode },
        { at: new Date(downAt).toISOString(), from: 'UP', to: 'DOWN', statusCode: 503 },
      );
      assert.match(down.reason, /503/);
      assert.equal(typeof down.latencyMs, 'number');
      assert.deepEqual(
        { at: up.at, from: up.from, to: up.to, statusCode: up.statusCode },
        { at: new Date(upAt).toISOString(), from: 'PENDING', to: 'UP', statusCode: 200 },
      );

      const first = await call(tocsin, 'GET', '/api/monitors/web/changes?limit=1');
      assert.deepEqual(
        first.json.changes.map((c: { to: string }) => c.to),
        ['DOWN'],
      );
      assert.equal(first.json.next, downAt);
      const second = await call(tocsin, 'GET', `/api/monitors/web/changes?limit=1&before=${first.json.next}`);
      assert.deepEqual(second.json.changes, [up]);
      assert.equal(second.json.next, null);
    });

    it('answers 404 for an unknown monitor and 400 naming the field for a bad query', async () => {
      const missing = await call(tocsin, 'GET', '/api/monitors/nope/changes');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.error.code, 'not_found');
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=ten', 'limit'],
        ['before=yesterday', 'before'],
        ['before=-1', 'before'],
      ]) {
        const res = await call(tocsin, 'GET', `/api/monitors/web/changes?${query}`);
        assert.equal(res.status, 400, query);
        assert.match(res.json.error.message, new RegExp(`^${field}`), query);
      }
      assert.equal((await call(tocsin, 'GET', '/api/monitors/web/changes?limit=500')).status, 200);
    });

    it('is in the OpenAPI document with scope read', async () => {
      const doc = (await call(tocsin, 'GET', '/api/openapi.json', undefined, null)).json;
      const op = doc.paths['/api/monitors/{name}/changes'].get;
      assert.deepEqual(op.security, [{ bearer: ['read'] }, { session: [] }]);
      assert.deepEqual(op.parameters.map((p: { name: string }) => p.name).sort(), ['before', 'limit', 'name']);
    });

    it('keeps changes 90 days (the retention job)', async () => {
      const task = tocsin.modules.flatMap((m) => m.retention ?? []).find((t) => t.domain === 'monitor-changes')!;
      const [down, up] = (await call(tocsin, 'GET', '/api/monitors/web/changes')).json.changes;
      await task.prune(Date.parse(down.at) + 90 * 86_400_000);
      const kept = (await call(tocsin, 'GET', '/api/monitors/web/changes')).json.changes;
      assert.deepEqual(kept, [down], `${up.at} is older than 90 days, ${down.at} is not`);
    });

    it("deletes a monitor's changes with it", async () => {
      const count = async () =>
        Number(
          (
            await tocsin.handle.db
              .selectFrom('monitor_changes')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.equal(await count(), 1);
      assert.equal((await call(tocsin, 'DELETE', '/api/monitors/web')).status, 204);
      assert.equal(await count(), 0);
    });
  });
}
