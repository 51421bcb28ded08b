import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { addPeriodicJob, CATCH_UP_SLOTS, nextCatchUpSlot, PERIODIC_KEY } from './periodic-job.js';
import { nextSlotAfter } from './scheduler.js';
import { Scheduler } from './scheduler.js';

function setup() {
  const clock = new FakeClock(1_000_000);
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    error() {},
    warn: (msg, fields) => void warnings.push({ msg, fields }),
    child: () => logger,
  };
  return { clock, warnings, logger, scheduler: new Scheduler(clock, logger, new Telemetry()) };
}

describe('the next slot of a periodic job (nextSlotAfter)', () => {
  it('is one period after the due time, or the first slot of that grid after now', () => {
    assert.equal(nextSlotAfter(1000, 1050, 100), 1100);
    assert.equal(nextSlotAfter(1000, 1100, 100), 1200);
    assert.equal(nextSlotAfter(1000, 1350, 100), 1400);
  });
});

describe('addPeriodicJob', () => {
  it('runs on the injected clock, one period after the last due time', async () => {
    const { clock, logger, scheduler } = setup();
    const runs: number[] = [];
    addPeriodicJob(scheduler, clock, logger, {
      name: 'flush',
      everyMs: 5_000,
      run: async (dueAt) => void runs.push(dueAt),
    });
    assert.equal(scheduler.dueAt('flush', PERIODIC_KEY), 1_005_000);
    clock.advance(4_999);
    await scheduler.runDue();
    assert.deepEqual(runs, []);
    clock.advance(1);
    await scheduler.runDue();
    assert.deepEqual(runs, [1_005_000]);
    assert.equal(scheduler.dueAt('flush', PERIODIC_KEY), 1_010_000);
  });

  it('a failing run is logged under the job name and keeps the cadence; a late run does not burst', async () => {
    const { clock, warnings, logger, scheduler } = setup();
    let fail = true;
    const runs: number[] = [];
    addPeriodicJob(scheduler, clock, logger, {
      name: 'retention',
      everyMs: 3_600_000,
      firstAt: (now) => now + 1_000,
      run: async (dueAt) => {
        runs.push(dueAt);
        if (fail) throw new Error('database away');
      },
    });
    clock.advance(1_000);
    await scheduler.runDue();
    assert.deepEqual(
      warnings.map((w) => [w.msg, w.fields?.job, (w.fields?.err as Error | undefined)?.message]),
      [['periodic job failed', 'retention', 'database away']],
    );
    assert.equal(
      scheduler.dueAt('retention', PERIODIC_KEY),
      1_001_000 + 3_600_000,
      'from its due time, not a minute later nor at once',
    );
    fail = false;
    clock.advance(5 * 3_600_000);
    await scheduler.runDue();
    await scheduler.runDue();
    assert.equal(runs.length, 2, 'five missed hours make one run');
    assert.equal(scheduler.dueAt('retention', PERIODIC_KEY), 1_001_000 + 6 * 3_600_000);
  });

  it('with catchUp, runs once per missed slot, each with its own due time', async () => {
    const { clock, logger, scheduler } = setup();
    const runs: number[] = [];
    addPeriodicJob(scheduler, clock, logger, {
      name: 'sample',
      everyMs: 60_000,
      catchUp: true,
      run: async (dueAt) => void runs.push(dueAt),
    });
    clock.advance(3 * 60_000);
    for (let i = 0; i < 4; i++) await scheduler.runDue();
    assert.deepEqual(runs, [1_060_000, 1_120_000, 1_180_000]);
  });

  it('with catchUp, runs at most the last CATCH_UP_SLOTS missed slots after a long pause', async () => {
    const { clock, logger, scheduler } = setup();
    const runs: number[] = [];
    addPeriodicJob(scheduler, clock, logger, {
      name: 'sample',
      everyMs: 60_000,
      catchUp: true,
      run: async (dueAt) => void runs.push(dueAt),
    });
    clock.advance(24 * 3_600_000 + 30_000);
    for (let i = 0; i < CATCH_UP_SLOTS + 5; i++) await scheduler.runDue();
    const now = clock.now();
    const lastSlot = now - ((now - 1_060_000) % 60_000);
    const expected = [1_060_000];
    for (let k = CATCH_UP_SLOTS - 1; k >= 0; k--) expected.push(lastSlot - k * 60_000);
    assert.deepEqual(runs, expected, 'the first due slot, then the last ten minutes, each once');
    assert.equal(scheduler.dueAt('sample', PERIODIC_KEY), lastSlot + 60_000);
    assert.equal(nextCatchUpSlot(1_000, 1_250, 100), 1_100, 'a short pause runs every missed slot');
  });
});
