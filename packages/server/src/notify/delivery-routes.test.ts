import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const HOUR = 3_600_000;

for (const [n, variant] of (await testDatabases()).entries()) {
  // Ids never go back in time within a process: each database's run starts later than the one before.
  const T0 = Date.UTC(2026, 5, 1 + n * 10, 12);
  describe(`GET /api/deliveries?since=&until= on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(T0);

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      const subscriptions = [{ name: 'hook', protocol: 'webhook', endpoint: 'http://127.0.0.1:9/hook' }];
      await tocsin.topics.create(tocsin.topics.parseTopic({ name: 'ops', subscriptions }));
      for (const title of ['h0', 'h1', 'h2', 'h3']) {
        await tocsin.publisher.publish('ops', { kind: 'test', title });
        clock.set(clock.now() + HOUR);
      }
    });
    after(() => dispose());

    const titles = async (query: string) => {
      const res = await call(tocsin, 'GET', `/api/deliveries?topic=ops${query}`);
      assert.equal(res.status, 200, res.text);
      const out = [];
      for (const d of res.json.deliveries as { id: string }[]) {
        const read = await call(tocsin, 'GET', `/api/deliveries/${d.id}`);
        out.push(read.json.event.title as string);
      }
      return out;
    };

    it('keeps deliveries made at or after since and before until, in epoch ms or ISO 8601', async () => {
      assert.deepEqual(await titles(''), ['h3', 'h2', 'h1', 'h0']);
      assert.deepEqual(await titles(`&since=${T0 + HOUR}`), ['h3', 'h2', 'h1']);
      assert.deepEqual(await titles(`&until=${T0 + 2 * HOUR}`), ['h1', 'h0']);
      const iso = (t: number) => new Date(t).toISOString();
      assert.deepEqual(await titles(`&since=${iso(T0 + HOUR)}&until=${iso(T0 + 3 * HOUR)}`), ['h2', 'h1']);
      assert.deepEqual(await titles(`&since=${T0 + HOUR}&limit=1`), ['h3']);
      assert.deepEqual(await titles(`&since=${T0 + 9 * HOUR}`), []);
    });

    it('answers 400 naming since or until for what is not a time', async () => {
      for (const [query, field] of [
        ['since=yesterday', 'since'],
        ['until=2026-13-45T00:00:00Z', 'until'],
        ['since=-5', 'since'],
      ]) {
        const res = await call(tocsin, 'GET', `/api/deliveries?${query}`);
        assert.equal(res.status, 400, `${query}: ${res.text}`);
        assert.equal(res.json.error.details.issues[0].path, field);
        assert.match(res.json.error.details.issues[0].message, /epoch milliseconds or ISO 8601/);
      }
    });

    it('filters in the service too, and documents both parameters', async () => {
      const rows = await tocsin.deliveries.list({ since: T0 + 2 * HOUR, until: T0 + 3 * HOUR });
      assert.equal(rows.length, 1);
      const doc = (await call(tocsin, 'GET', '/api/openapi.json')).json;
      const names = doc.paths['/api/deliveries'].get.parameters.map((p: { name: string }) => p.name);
      assert.ok(names.includes('since') && names.includes('until'), names.join());
    });
  });
}
