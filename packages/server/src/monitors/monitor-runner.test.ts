import { singleNodeFence } from '../cluster/fence.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import type { Db } from '../db/database.js';
import { PublishService } from '../notify/publish-service.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { testDatabases } from '../test-support/test-databases.js';
import { MaintenanceService } from './maintenance-service.js';
import { MonitorRegistry } from './monitor-registry.js';
import { CHECK_JOB, MonitorRunner, type ProbeRunner } from './monitor-runner.js';
import { CATCH_UP_MS, MonitorService } from './monitor-service.js';
import { ResultRecorder } from './result-recorder.js';

const T0 = Date.UTC(2026, 5, 1, 12);

for (const variant of await testDatabases()) {
  describe(`monitor runner on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ handle, dispose } = await variant.create());
    });
    after(() => dispose());

    /** A monitor whose target hangs from the start: each check ends at the timeout, on the fake clock. */
    async function hangingMonitor(name: string, spec: Record<string, unknown>) {
      const clock = new FakeClock(T0);
      const starts: number[] = [];
      const probe: ProbeRunner = async (_spec, ctx) => {
        starts.push(clock.now());
        clock.advance(ctx.timeoutMs);
        return { up: false, reason: `timed out after ${ctx.timeoutMs} ms`, timings: { totalMs: ctx.timeoutMs } };
      };
      const registry = new MonitorRegistry();
      const scheduler = new Scheduler(clock, silentLogger, new Telemetry());
      const recorder = new ResultRecorder(handle.db);
      const maintenance = new MaintenanceService(handle.db, clock);
      const runner = new MonitorRunner(
        handle.db,
        clock,
        registry,
        recorder,
        maintenance,
        new PublishService(handle.db, clock, () => {}),
        silentLogger,
        singleNodeFence,
        () => {},
        probe,
      );
      scheduler.addJob({ name: CHECK_JOB, concurrency: 4, run: (id) => runner.check(id) });
      const monitors = new MonitorService(handle.db, clock, registry, scheduler, recorder, async () => new Set());
      await monitors.create(monitors.parse({ name, type: 'tcp', host: '127.0.0.1', port: 9, ...spec }));
      const id = monitors.get(name).monitor.id;
      return { clock, starts, runner, scheduler, monitors, id };
    }

    it(
      'schedules the next check from the start of the current ' + 'one, so a hung target does not stretch the interval',
      async () => {
        const { clock, starts, runner, id } = await hangingMonitor('hangs', { interval: '5s', timeout: '2s' });
        const next = await runner.check(id);
        assert.equal(next, starts[0] + 5_000, 'one interval after the start, not after the timeout');
        clock.set(next!);
        assert.equal(await runner.check(id), starts[1] + 5_000);
        await runner.close();
      },
    );

    it('starts the next check at once when a check ends after its next start was due', async () => {
      const { starts, runner, id, clock } = await hangingMonitor('retries', {
        interval: '10s',
        timeout: '2s',
        retryInterval: '1s',
        failureThreshold: 3,
      });
      const next = await runner.check(id);
      assert.equal(next, clock.now(), 'due already: the 1 s retry passed while the 2 s check ran');
      assert.equal(starts.length, 1);
      await runner.close();
    });

    // PostgreSQL only: SQLite has one connection, so there the check's write waits for the apply's commit.
    const onPostgres = variant.name === 'postgres' ? it : () => {};
    onPostgres(
      'does not count a check whose monitor is not committed yet ' +
        '(a config apply schedules checks inside its transaction)',
      async () => {
        const { monitors, runner, clock } = await hangingMonitor('placeholder', { interval: '5s', timeout: '1s' });
        let id = '';
        await handle.db.transaction().execute(async (trx) => {
          await monitors.create(
            monitors.parse({
              name: 'uncommitted',
              type: 'tcp',
              host: '127.0.0.1',
              port: 9,
              interval: '5s',
              timeout: '1s',
              failureThreshold: 1,
            }),
            trx,
          );
          id = monitors.get('uncommitted').monitor.id;
          const next = await runner.check(id);
          assert.equal(next, clock.now() + 4_000);
          assert.equal(
            monitors.get('uncommitted').runtime.lastCheckAt,
            null,
            'not applied: its state row was not there to write',
          );
          assert.equal(monitors.get('uncommitted').runtime.health, 'PENDING');
        });
        await runner.check(id);
        assert.equal(monitors.get('uncommitted').runtime.health, 'DOWN', 'counted once committed');
        await runner.close();
      },
    );

    it('detects a hung target within interval × failureThreshold + timeout', async () => {
      const { clock, starts, scheduler, monitors, runner } = await hangingMonitor('detects', {
        interval: '5s',
        timeout: '2s',
        failureThreshold: 3,
      });
      const hungFrom = clock.now();
      let downAt = 0;
      for (let i = 0; i < 400 && !downAt; i++) {
        await scheduler.runDue();
        if (monitors.get('detects').runtime.health === 'DOWN') downAt = clock.now();
        else clock.advance(100);
      }
      assert.ok(downAt > 0, 'went down');
      const first = starts[0] - hungFrom;
      assert.deepEqual(
        starts.map((t) => t - starts[0]),
        [0, 5_000, 10_000],
        'checks 5 s apart, not 7 s',
      );
      assert.ok(
        downAt - hungFrom <= first + 2 * 5_000 + 2_000 + 100,
        `down ${(downAt - hungFrom) / 1000} s after the target hung`,
      );
      assert.ok(downAt - hungFrom <= 3 * 5_000 + 2_000, 'within the documented bound');
      await scheduler.stop();
      await runner.close();
    });

    it('checks a cron monitor at its cron times plus the deadline, and on the interval while failing', async () => {
      // 08:00 in Tokyo on 2019-12-07; the evidence is due by 09:30 (cron 09:00, deadline 30 min).
      const clock = new FakeClock(Date.UTC(2019, 11, 6, 23, 0));
      const slots: (number | undefined)[] = [];
      const answers = [false, false, true, true];
      const probe: ProbeRunner = async (_spec, ctx) => {
        slots.push(ctx.slotAt);
        const up = answers[slots.length - 1];
        return { up, reason: up ? 'found' : 'not found', timings: { totalMs: 1 } };
      };
      const registry = new MonitorRegistry();
      const scheduler = new Scheduler(clock, silentLogger, new Telemetry());
      const recorder = new ResultRecorder(handle.db);
      const runner = new MonitorRunner(
        handle.db,
        clock,
        registry,
        recorder,
        new MaintenanceService(handle.db, clock),
        new PublishService(handle.db, clock, () => {}),
        silentLogger,
        singleNodeFence,
        () => {},
        probe,
      );
      scheduler.addJob({ name: CHECK_JOB, concurrency: 4, run: (id, dueAt) => runner.check(id, dueAt) });
      const monitors = new MonitorService(handle.db, clock, registry, scheduler, recorder, async () => new Set());
      const spec = {
        name: 'evidence',
        type: 'object',
        path: '/srv/batch/{date:YYYY-MM-DD}/evidence.txt',
        timezone: 'Asia/Tokyo',
        cron: '0 9 * * *',
        deadline: '30m',
        interval: '5m',
      };
      await monitors.create(monitors.parse(spec));
      const id = monitors.get('evidence').monitor.id;
      const dueDay7 = Date.UTC(2019, 11, 7, 0, 30);
      assert.equal(scheduler.dueAt(CHECK_JOB, id), dueDay7, 'not before 09:30 in Tokyo on the 7th');
      for (let t = clock.now(); t <= dueDay7 + 16 * 60_000; t += 60_000) {
        clock.set(t);
        await scheduler.runDue();
      }
      const slotDay7 = Date.UTC(2019, 11, 7, 0, 0);
      assert.deepEqual(slots, [slotDay7, slotDay7, slotDay7], 'at 09:30, 09:35 and 09:40, all for 09:00 on the 7th');
      assert.equal(monitors.get('evidence').runtime.health, 'UP');
      const dueDay8 = Date.UTC(2019, 11, 8, 0, 30);
      assert.equal(scheduler.dueAt(CHECK_JOB, id), dueDay8, 'once found, not again before the next deadline');
      clock.set(dueDay8);
      await scheduler.runDue();
      assert.equal(slots[3], Date.UTC(2019, 11, 8, 0, 0), 'the 8th is checked for its own date');
      await scheduler.stop();
      await runner.close();
      // Restarted the same day: the 8th, found, is not checked again; the 9th is due at its deadline.
      const dueDay9 = Date.UTC(2019, 11, 9, 0, 30);
      const restart = async () => {
        const again = new Scheduler(clock, silentLogger, new Telemetry());
        again.addJob({ name: CHECK_JOB, concurrency: 1, run: async () => null });
        const reg = new MonitorRegistry();
        await new MonitorService(handle.db, clock, reg, again, recorder, async () => new Set()).load();
        return again.dueAt(CHECK_JOB, id);
      };
      clock.set(dueDay8 + 3600_000);
      assert.equal(await restart(), dueDay9);
      // Restarted after the deadline of the 9th had passed while it was stopped: checked at once.
      clock.set(dueDay9 + 3600_000);
      assert.ok((await restart())! <= clock.now() + CATCH_UP_MS, 'the missed slot is checked within the catch-up');
    });

    it('keeps the phases of checks that a stall delayed together, instead of bunching them', async () => {
      const clock = new FakeClock(T0);
      const registry = new MonitorRegistry();
      const scheduler = new Scheduler(clock, silentLogger, new Telemetry());
      const recorder = new ResultRecorder(handle.db);
      const up: ProbeRunner = async () => ({ up: true, reason: 'ok', timings: { totalMs: 1 } });
      const maintenance = new MaintenanceService(handle.db, clock);
      const publisher = new PublishService(handle.db, clock, () => {});
      const onCheck = () => {};
      const runner = new MonitorRunner(
        handle.db,
        clock,
        registry,
        recorder,
        maintenance,
        publisher,
        silentLogger,
        singleNodeFence,
        onCheck,
        up,
      );
      scheduler.addJob({ name: CHECK_JOB, concurrency: 64, run: (id, dueAt) => runner.check(id, dueAt) });
      const monitors = new MonitorService(handle.db, clock, registry, scheduler, recorder, async () => new Set());
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const spec = { name: `stall-${i}`, type: 'tcp', host: '127.0.0.1', port: 9, interval: '10s' };
        await monitors.create(monitors.parse(spec));
        ids.push(monitors.get(`stall-${i}`).monitor.id);
      }
      // Every monitor checked once on time: its phase within the 10 s interval.
      for (let t = 0; t <= 6_000; t += 100, clock.advance(100)) await scheduler.runDue();
      const phase = (id: string) => scheduler.dueAt(CHECK_JOB, id)! % 10_000;
      const phases = ids.map(phase);
      assert.ok(new Set(phases).size > 10, 'spread to begin with');
      for (const stallMs of [8_000, 35_000]) {
        // The loop is blocked: everything due meanwhile starts at once when it resumes.
        clock.advance(stallMs);
        await scheduler.runDue();
        assert.deepEqual(ids.map(phase), phases, `after a ${stallMs / 1000} s stall every check keeps its phase`);
        const ahead = ids.every((id) => scheduler.dueAt(CHECK_JOB, id)! > clock.now());
        assert.ok(ahead, 'and is due ahead, with missed slots skipped');
      }
      await runner.close();
    });
  });
}
