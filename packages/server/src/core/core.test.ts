import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter, retryDelay } from './backoff.js';
import { FakeClock } from './clock.js';
import { formatDuration, parseDuration } from './durations.js';
import { randomToken, uuidv7 } from './ids.js';

describe('durations', () => {
  it('parses units, compounds and bare seconds, and rejects the rest', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('3d'), 259_200_000);
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(parseDuration(2), 2000);
    for (const bad of ['', '10x', 'm', '1h 30m', '-5s']) assert.equal(parseDuration(bad), undefined, bad);
  });
  it('formats for people', () => {
    assert.equal(formatDuration(450), '450 ms');
    assert.equal(formatDuration(125_000), '2m 5s');
    assert.equal(formatDuration(3 * 3600_000 + 60_000 + 1000), '3h 1m');
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter between half and the whole, capped', () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    const policy = { baseMs: 1000, maxMs: 60_000, factor: 2 };
    assert.equal(retryDelay(1, policy, undefined, lo), 500);
    assert.equal(retryDelay(1, policy, undefined, hi), 1000);
    assert.equal(retryDelay(4, policy, undefined, lo), 4000);
    assert.equal(retryDelay(30, policy, undefined, hi), 60_000);
  });
  it('honours a longer Retry-After, in seconds or as a date', () => {
    assert.equal(
      retryDelay(1, undefined, 30_000, () => 0),
      30_000,
    );
    assert.equal(parseRetryAfter('7', 0), 7000);
    const now = Date.UTC(2026, 0, 1);
    assert.equal(parseRetryAfter(new Date(now + 120_000).toUTCString(), now), 120_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});

describe('ids', () => {
  it('makes UUIDv7s that sort in creation order within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => uuidv7(Date.UTC(2026, 0, 1)));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 1000);
    assert.match(ids[0], /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('makes random base62 tokens of the asked length', () => {
    const t = randomToken(40);
    assert.match(t, /^[A-Za-z0-9]{40}$/);
    assert.notEqual(randomToken(40), t);
  });
});

describe('fake clock', () => {
  it('wakes sleepers when advanced past their time, and on abort', async () => {
    const clock = new FakeClock(0);
    let woke = false;
    const p = clock.sleep(1000).then(() => (woke = true));
    clock.advance(999);
    await Promise.resolve();
    assert.equal(woke, false);
    clock.advance(1);
    await p;
    assert.equal(woke, true);
    const ac = new AbortController();
    const q = clock.sleep(10_000, ac.signal);
    ac.abort();
    await q;
  });

  it('elapse wakes a loop at each of its due times on the way, and ends at the target', async () => {
    const clock = new FakeClock(0);
    const woke: number[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        await clock.sleep(1000);
        // Work between sleeps that takes a few promise hops, as a scheduler tick does.
        await Promise.resolve();
        await Promise.resolve();
        woke.push(clock.now());
      }
    })();
    const late = clock.sleep(10_000).then(() => woke.push(-1));
    await clock.elapse(5_500);
    assert.deepEqual(woke, [1000, 2000, 3000, 4000, 5000], 'one wake per due time, none skipped, none past the target');
    assert.equal(clock.now(), 5_500);
    await clock.elapse(500);
    assert.deepEqual(woke.slice(5), [6000], 'a due time equal to the target is reached');
    stop = true;
    await clock.elapse(4_000);
    await Promise.all([loop, late]);
    assert.deepEqual(woke.slice(6), [7000, -1], 'the sleeper due at 10 s wakes at 10 s');
  });
});
