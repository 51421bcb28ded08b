import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { DueHeap } from './due-heap.js';
import { Scheduler } from './scheduler.js';

describe('due heap', () => {
  it('pops in due order and honours moves and deletes', () => {
    const h = new DueHeap();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    times.forEach((t, i) => h.set(`k${i}`, t));
    h.set('k0', 2000);
    h.delete('k1');
    const out: number[] = [];
    for (let item = h.popDue(5000); item; item = h.popDue(5000)) out.push(item.dueAt);
    assert.equal(out.length, 499);
    assert.deepEqual(out, [...out].sort((a, b) => a - b));
    assert.equal(out[out.length - 1], 2000);
    assert.equal(h.size, 0);
  });
  it('keeps nothing not due', () => {
    const h = new DueHeap();
    h.set('a', 10);
    assert.equal(h.popDue(9), undefined);
    assert.deepEqual(h.popDue(10), { key: 'a', dueAt: 10 });
  });
});

describe('scheduler', () => {
  it('runs items when due, reschedules them by the handler answer, and measures lag', async () => {
    const clock = new FakeClock(0);
    const telemetry = new Telemetry();
    const s = new Scheduler(clock, silentLogger, telemetry);
    const runs: [string, number, number][] = [];
    s.addJob({ name: 'check', concurrency: 10, run: async (key, dueAt) => (runs.push([key, dueAt, clock.now()]), key === 'once' ? null : dueAt + 1000) });
    s.schedule('check', 'a', 500);
    s.schedule('check', 'once', 700);
    assert.equal(await s.runDue(), 0);
    clock.advance(800);
    assert.equal(await s.runDue(), 2);
    assert.deepEqual(runs, [['a', 500, 800], ['once', 700, 800]]);
    assert.equal(s.dueAt('check', 'a'), 1500);
    assert.equal(s.dueAt('check', 'once'), undefined);
    const text = await telemetry.render();
    // Lags of 300 and 100 ms: one at most 0.25 s, both at most 0.5 s.
    assert.match(text, /^tocsin_scheduler_lag_seconds_bucket\{le="0.25",job="check"\} 1$/m);
    assert.match(text, /^tocsin_scheduler_lag_seconds_bucket\{le="0.5",job="check"\} 2$/m);
  });

  it('limits concurrency per job and lets an edit during a run win', async () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock, silentLogger, new Telemetry());
    let active = 0;
    let peak = 0;
    s.addJob({
      name: 'slow',
      concurrency: 2,
      run: async (key) => {
        active++;
        peak = Math.max(peak, active);
        if (key === 'edited') s.schedule('slow', 'edited', 99_999);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return 10;
      },
    });
    for (const k of ['a', 'b', 'c', 'edited']) s.schedule('slow', k, 0);
    await s.runDue();
    await s.runDue();
    assert.equal(peak, 2);
    assert.equal(s.dueAt('slow', 'edited'), 99_999);
  });

  it('keeps running after a handler throws, retrying a minute later', async () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock, silentLogger, new Telemetry());
    s.addJob({ name: 'bad', concurrency: 1, run: async () => { throw new Error('boom'); } });
    s.schedule('bad', 'x', 0);
    await s.runDue();
    assert.equal(s.dueAt('bad', 'x'), 60_000);
  });

  it('runs its own loop on a fake clock: one elapse runs every item at its due time', async () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock, silentLogger, new Telemetry());
    const runs: [string, number][] = [];
    s.addJob({ name: 'tick', concurrency: 2, run: async (key, dueAt) => (runs.push([key, clock.now()]), dueAt + (key === 'fast' ? 1000 : 2500)) });
    s.schedule('tick', 'fast', 1000);
    s.schedule('tick', 'slow', 2500);
    s.start();
    await clock.elapse(5_500);
    await s.stop();
    // Items due at the same time run in either order.
    const byTime = runs.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    assert.deepEqual(byTime, [['fast', 1000], ['fast', 2000], ['slow', 2500], ['fast', 3000], ['fast', 4000], ['fast', 5000], ['slow', 5000]]);
    assert.equal(clock.now(), 5_500);
  });

  it('wakes by itself on the system clock', async () => {
    const s = new Scheduler(systemClock, silentLogger, new Telemetry());
    const seen: number[] = [];
    s.addJob({ name: 'tick', concurrency: 1, run: async () => (seen.push(Date.now()), seen.length < 3 ? Date.now() + 20 : null) });
    s.start();
    s.schedule('tick', 't', Date.now() + 20);
    const deadline = Date.now() + 2000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    assert.equal(seen.length, 3);
  });
});
