import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RateLimiter } from '../core/rate-limiter.js';
import { openDatabase, type Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { BUCKET_IDLE_MS, SharedRateLimiter } from './shared-rate-limiter.js';

const T0 = Date.UTC(2026, 5, 1, 12);

/** A small deterministic pseudo-random sequence (mulberry32). */
function randoms(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const variant of await testDatabases()) {
  describe(`shared rate limiter on ${variant.name}`, () => {
    let created: Awaited<ReturnType<typeof variant.create>>;
    /** Two more connections to the same database: two "nodes", each with its own limiter. */
    let nodes: Db[];
    let a: SharedRateLimiter;
    let b: SharedRateLimiter;

    before(async () => {
      created = await variant.create();
      nodes = [openDatabase(created.url, { poolSize: 10 }), openDatabase(created.url, { poolSize: 10 })];
      [a, b] = nodes.map((n) => new SharedRateLimiter(n.db, n.dialect));
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await created.dispose();
    });

    it('answers as the memory limiter does, take for take', async () => {
      const memory = new RateLimiter();
      const next = randoms(11);
      const keys = ['slack:a', 'slack:b', 'webhook:c'];
      const rates = [1, 0.5, 20];
      let now = T0;
      for (let i = 0; i < 300; i++) {
        now += Math.floor(next() * 700);
        const k = Math.floor(next() * keys.length);
        const key = `same-${keys[k]}`;
        const expected = memory.take(key, rates[k], now);
        assert.equal(await (i % 2 ? a : b).take(key, rates[k], now), expected, `take ${i} of ${key} at +${now - T0}`);
      }
    });

    it('gives two nodes together the rate × time + burst, not twice that', async () => {
      // 5 a second with a burst of 3, for 10 s of (injected) time; each node asks every 50 ms.
      const rate = 5;
      const memory = [new RateLimiter(), new RateLimiter()];
      let shared = 0;
      let separate = 0;
      for (let t = 0; t <= 10_000; t += 50) {
        for (const [i, limiter] of [a, b].entries()) {
          if ((await limiter.take('webhook:two-nodes', rate, T0 + t)) === 0) shared++;
          if (memory[i].take('webhook:two-nodes', rate, T0 + t) === 0) separate++;
        }
      }
      assert.equal(shared, rate * 10 + 3);
      assert.equal(separate, 2 * (rate * 10 + 3), 'a limiter per node would allow each node the full rate');
    });

    it('never grants more than the bucket holds to 50 concurrent takes from two nodes', async () => {
      const key = 'slack:concurrent';
      const round = async (now: number) => {
        const waits = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).take(key, 10, now)));
        assert.ok(waits.every((w) => w >= 0));
        return waits.filter((w) => w === 0).length;
      };
      assert.equal(await round(T0), 3, 'a new bucket: its burst');
      // 250 ms at 10 a second refill 2.5 tokens: two whole ones.
      assert.equal(await round(T0 + 250), 2);
      assert.equal(await a.take(key, 10, T0 + 250), 50, 'half a token left: the next is 50 ms away');
    });

    it('answers the wait for the next token and takes it once that time has come', async () => {
      const key = 'slack:wait';
      // 2 a second: a burst of 2.
      for (let i = 0; i < 2; i++) assert.equal(await a.take(key, 2, T0), 0);
      assert.equal(await a.take(key, 2, T0), 500);
      const wait = await b.take(key, 2, T0 + 100);
      assert.equal(wait, 400);
      assert.ok((await a.take(key, 2, T0 + 100 + wait - 1)) > 0);
      assert.equal(await b.take(key, 2, T0 + 100 + wait), 0);
    });

    it('refills nothing for a node whose clock is behind the last take, and never moves the bucket back', async () => {
      const key = 'slack:skew';
      assert.equal(await a.take(key, 1, T0 + 5000, 1), 0);
      // Node b's clock is 5 s behind: no refill for it until its time passes a's last take.
      assert.equal(await b.take(key, 1, T0 + 1000, 1), 1000);
      assert.equal(await a.take(key, 1, T0 + 6000, 1), 0);
      assert.equal(await b.take(key, 1, T0 + 6500, 1), 500);
    });

    it('prunes buckets idle for an hour and full again, keeping the rest', async () => {
      const now = T0 + 10 * BUCKET_IDLE_MS;
      await a.take('prune:idle', 1, now - BUCKET_IDLE_MS - 1);
      await a.take('prune:recent', 1, now - BUCKET_IDLE_MS + 60_000);
      // One a day: after an hour and a bit its single token is not back yet.
      const slow = 1 / 86_400;
      await a.take('prune:slow', slow, now - BUCKET_IDLE_MS - 1);
      await b.prune(now);
      const rows = await created.handle.db
        .selectFrom('rate_buckets')
        .select('key')
        .where('key', 'like', 'prune:%')
        .orderBy('key')
        .execute();
      assert.deepEqual(
        rows.map((r) => r.key),
        ['prune:recent', 'prune:slow'],
      );
      assert.ok((await a.take('prune:slow', slow, now)) > 0, 'the slow bucket is still empty');
      assert.equal(await a.take('prune:idle', 1, now), 0, 'a pruned bucket is a full one');
    });
  });
}
