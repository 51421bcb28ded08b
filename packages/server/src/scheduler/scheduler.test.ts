import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { StaticKeyOwnership } from './key-ownership.js';
import { Scheduler, nextSlotAfter } from './scheduler.js';

describe('scheduler', () => {
  it('runs items when due, reschedules them by the handler answer, and measures lag', async () => {
    const clock = new FakeClock(0);
    const telemetry = new Telemetry();
    const s = new Scheduler(clock, silentLogger, telemetry);
    const runs: [string, number, number][] = [];
    s.addJob({
      name: 'check',
      concurrency: 10,
      run: async (key, dueAt) => {
        runs.push([key, dueAt, clock.now()]);
        return key === 'once' ? null : dueAt + 1000;
      },
    });
    s.schedule('check', 'a', 500);
    s.schedule('check', 'once', 700);
    assert.equal(await s.runDue(), 0);
    clock.advance(800);
    assert.equal(await s.runDue(), 2);
    assert.deepEqual(runs, [
      ['a', 500, 800],
      ['once', 700, 800],
    ]);
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
    s.addJob({
      name: 'bad',
      concurrency: 1,
      run: async () => {
        throw new Error('boom');
      },
    });
    s.schedule('bad', 'x', 0);
    await s.runDue();
    assert.equal(s.dueAt('bad', 'x'), 60_000);
  });

  it('retries items that throw after a stall each in its own phase, not all at once', async () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock, silentLogger, new Telemetry());
    s.addJob({
      name: 'bad',
      concurrency: 8,
      run: async () => {
        throw new Error('boom');
      },
    });
    s.schedule('bad', 'a', 0);
    s.schedule('bad', 'b', 20_000);
    s.schedule('bad', 'c', 40_000);
    // The loop was blocked for 100 s: all three start together, long overdue.
    clock.set(100_000);
    assert.equal(await s.runDue(), 3);
    assert.deepEqual(
      ['a', 'b', 'c'].map((k) => s.dueAt('bad', k)),
      [120_000, 140_000, 160_000],
    );
  });

  it('hastens an item to a time, never later, and runs a running one again as soon as it finishes', async () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock, silentLogger, new Telemetry());
    let runs = 0;
    s.addJob({
      name: 'round',
      concurrency: 1,
      run: async (_key, dueAt) => {
        // A wake while the round runs: the round must follow at once, not at its own answer.
        if (runs++ === 0) s.hasten('round', 'all', clock.now());
        return dueAt + 10_000;
      },
    });
    s.schedule('round', 'all', 1000);
    s.hasten('round', 'all', 500);
    assert.equal(s.dueAt('round', 'all'), 500);
    s.hasten('round', 'all', 800);
    assert.equal(s.dueAt('round', 'all'), 500, 'already due earlier: unchanged');
    s.hasten('round', 'other', 300);
    assert.equal(s.dueAt('round', 'other'), 300, 'an absent item is added');
    s.cancel('round', 'other');
    clock.advance(600);
    assert.equal(await s.runDue(), 1);
    assert.equal(s.dueAt('round', 'all'), 600, 'hastened during its run: due when it finished');
    assert.equal(await s.runDue(), 1);
    assert.equal(s.dueAt('round', 'all'), 10_600, 'then by the handler answer again');
  });

  it('runs only the keys this node owns, and keeps the others due for when it takes them over', async () => {
    const clock = new FakeClock(0);
    const ownership = new StaticKeyOwnership((_job, key) => key !== 'b');
    const s = new Scheduler(clock, silentLogger, new Telemetry(), ownership);
    const runs: [string, number][] = [];
    s.addJob({
      name: 'check',
      concurrency: 4,
      run: async (key, dueAt) => {
        runs.push([key, dueAt]);
        // Ownership of 'c' moves away while it runs: its next due time is kept, but not run here.
        if (key === 'c') ownership.set((_job, k) => k !== 'c');
        return dueAt + 1000;
      },
    });
    s.schedule('check', 'a', 100);
    s.schedule('check', 'b', 200);
    clock.advance(500);
    await s.runDue();
    assert.deepEqual(runs, [['a', 100]], 'b is not owned');
    assert.equal(s.dueAt('check', 'b'), 200);
    ownership.set(() => true);
    await s.runDue();
    assert.deepEqual(runs.slice(1), [['b', 200]], 'taken over with its own due time');
    s.schedule('check', 'c', 600);
    clock.set(1300);
    await s.runDue();
    assert.deepEqual(runs.slice(2), [
      ['c', 600],
      ['a', 1100],
      ['b', 1200],
    ]);
    clock.set(5000);
    await s.runDue();
    assert.deepEqual(
      runs.slice(5),
      [
        ['a', 2100],
        ['b', 2200],
      ],
      'c, lost during its run, does not run again here',
    );
    assert.equal(s.dueAt('check', 'c'), 1600, 'its next due time is kept');
  });

  it('runs its own loop on a fake clock: one elapse runs every item at its due time', async () => {
    const clock = new FakeClock(0);
    const s = new Scheduler(clock, silentLogger, new Telemetry());
    const runs: [string, number][] = [];
    s.addJob({
      name: 'tick',
      concurrency: 2,
      run: async (key, dueAt) => {
        runs.push([key, clock.now()]);
        return dueAt + (key === 'fast' ? 1000 : 2500);
      },
    });
    s.schedule('tick', 'fast', 1000);
    s.schedule('tick', 'slow', 2500);
    s.start();
    await clock.elapse(5_500);
    await s.stop();
    // Items due at the same time run in either order.
    const byTime = runs.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    assert.deepEqual(byTime, [
      ['fast', 1000],
      ['fast', 2000],
      ['slow', 2500],
      ['fast', 3000],
      ['fast', 4000],
      ['fast', 5000],
      ['slow', 5000],
    ]);
    assert.equal(clock.now(), 5_500);
  });

  it('wakes by itself on the system clock', async () => {
    const s = new Scheduler(systemClock, silentLogger, new Telemetry());
    const seen: number[] = [];
    s.addJob({
      name: 'tick',
      concurrency: 1,
      run: async () => {
        seen.push(Date.now());
        return seen.length < 3 ? Date.now() + 20 : null;
      },
    });
    s.start();
    s.schedule('tick', 't', Date.now() + 20);
    const deadline = Date.now() + 2000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await s.stop();
    assert.equal(seen.length, 3);
  });
});

describe('next slot', () => {
  it('is one step after the due time, or the next step of its phase once that has passed', () => {
    assert.equal(nextSlotAfter(1_000, 1_000, 5_000), 6_000);
    assert.equal(nextSlotAfter(1_000, 5_999, 5_000), 6_000);
    assert.equal(nextSlotAfter(1_000, 6_000, 5_000), 11_000);
    assert.equal(nextSlotAfter(1_000, 23_500, 5_000), 26_000);
    assert.equal(nextSlotAfter(1_000, 900, 5_000), 6_000, 'run early (a manual check): one step after its due time');
    assert.equal(nextSlotAfter(1_000, 900, 0), 900, 'no step: now');
  });
});
