import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { StatusCache } from './status-cache.js';

/** A build that waits until released, counting calls per slug. */
function gatedBuild(known: Set<string>) {
  const calls: string[] = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));
  return {
    calls,
    open() {
      release();
      gate = Promise.resolve();
    },
    close() {
      gate = new Promise<void>((r) => (release = r));
    },
    build: async (slug: string) => {
      calls.push(slug);
      await gate;
      return known.has(slug) ? `${slug}#${calls.length}` : undefined;
    },
  };
}

describe('status cache', () => {
  it('shares one build among concurrent requests (single flight)', async () => {
    const clock = new FakeClock();
    const b = gatedBuild(new Set(['acme']));
    const cache = new StatusCache(clock, b.build, { ttlMs: 30_000, maxMissing: 10 });
    const answers = Promise.all(Array.from({ length: 200 }, () => cache.get('acme')));
    b.open();
    assert.deepEqual(new Set(await answers), new Set(['acme#1']));
    assert.equal(b.calls.length, 1);
    assert.equal(cache.builds, 1);
  });

  it('builds at most once per period; once expired, one rebuild while the old value is answered', async () => {
    const clock = new FakeClock();
    const b = gatedBuild(new Set(['acme']));
    b.open();
    const cache = new StatusCache(clock, b.build, { ttlMs: 30_000, maxMissing: 10 });
    assert.equal(await cache.get('acme'), 'acme#1');
    clock.advance(29_999);
    for (let i = 0; i < 100; i++) assert.equal(await cache.get('acme'), 'acme#1');
    assert.equal(b.calls.length, 1);
    clock.advance(1);
    b.close();
    const during = await Promise.all(Array.from({ length: 50 }, () => cache.get('acme')));
    assert.ok(
      during.every((v) => v === 'acme#1'),
      'the expired value is answered while it is rebuilt',
    );
    assert.equal(b.calls.length, 2, 'one rebuild for all of them');
    b.open();
    await new Promise((r) => setImmediate(r));
    assert.equal(await cache.get('acme'), 'acme#2');
  });

  it('rebuilds at once after invalidate, and a build started before does not overwrite the newer one', async () => {
    const clock = new FakeClock();
    const b = gatedBuild(new Set(['acme']));
    const cache = new StatusCache(clock, b.build, { ttlMs: 30_000, maxMissing: 10 });
    const first = cache.get('acme');
    cache.invalidate('acme');
    const second = cache.get('acme');
    b.open();
    assert.equal(await first, 'acme#2');
    assert.equal(await second, 'acme#2');
    assert.equal(b.calls.length, 2);
    assert.equal(await cache.get('acme'), 'acme#2');
    cache.invalidate('acme');
    assert.equal(await cache.get('acme'), 'acme#3');
  });

  it('remembers unknown slugs for a period (no lookup per request), in a bounded map', async () => {
    const clock = new FakeClock();
    const b = gatedBuild(new Set());
    b.open();
    const cache = new StatusCache(clock, b.build, { ttlMs: 30_000, maxMissing: 3 });
    for (let i = 0; i < 100; i++) assert.equal(await cache.get('nope'), undefined);
    assert.equal(b.calls.length, 1);
    clock.advance(30_000);
    assert.equal(await cache.get('nope'), undefined);
    assert.equal(b.calls.length, 2, 'looked up again after the period');
    for (const s of ['a', 'b', 'c']) await cache.get(s);
    assert.equal(b.calls.length, 5);
    await cache.get('nope');
    assert.equal(b.calls.length, 6, "'nope' was the oldest of 4 and was forgotten");
    await cache.get('c');
    assert.equal(b.calls.length, 6, "'c' is still remembered");
  });

  it('forgets a missing slug when a page gets it', async () => {
    const clock = new FakeClock();
    const known = new Set<string>();
    const b = gatedBuild(known);
    b.open();
    const cache = new StatusCache(clock, b.build, { ttlMs: 30_000, maxMissing: 3 });
    assert.equal(await cache.get('new'), undefined);
    known.add('new');
    cache.invalidate('new');
    assert.equal(await cache.get('new'), 'new#2');
  });

  it('keeps the older value when a rebuild fails, and passes the error on when there is none', async () => {
    const clock = new FakeClock();
    let fail = false;
    const cache = new StatusCache(
      clock,
      async () => {
        if (fail) throw new Error('database down');
        return 'v';
      },
      { ttlMs: 1000, maxMissing: 3 },
    );
    assert.equal(await cache.get('a'), 'v');
    fail = true;
    clock.advance(1000);
    assert.equal(await cache.get('a'), 'v');
    await new Promise((r) => setImmediate(r));
    assert.equal(await cache.get('a'), 'v');
    await assert.rejects(cache.get('b'), /database down/);
  });
});
