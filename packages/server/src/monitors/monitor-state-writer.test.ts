import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyPlugin } from 'kysely';
import { singleNodeFence, type Fence } from '../cluster/fence.js';
import { FakeClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import type { Db } from '../db/database.js';
import { PublishService } from '../notify/publish-service.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { testDatabases } from '../test-support/test-databases.js';
import { MaintenanceService } from './maintenance-service.js';
import { listMonitorChanges } from './monitor-change-store.js';
import { MonitorRegistry } from './monitor-registry.js';
import { CHECK_JOB, MonitorRunner, type ProbeRunner } from './monitor-runner.js';
import { MonitorService } from './monitor-service.js';
import { initialRuntime } from './monitor-state.js';
import { MonitorStateWriter } from './monitor-state-writer.js';
import { ResultRecorder } from './result-recorder.js';

const T0 = Date.UTC(2026, 5, 1, 12);
type Outcome = { up: boolean; reason: string; statusCode?: number; latencyMs: number };

/** A fence that has lost every lease since the checks started: no write holds. */
const fencedOut: Fence = { ...singleNodeFence, hold: async () => new Set() };

/** Counts the INSERTs into monitor_changes that go through a database handle. */
function countingInserts(): { plugin: KyselyPlugin; count: () => number } {
  let n = 0;
  return {
    count: () => n,
    plugin: {
      transformQuery(args) {
        if (args.node.kind === 'InsertQueryNode' && JSON.stringify(args.node.into).includes('"monitor_changes"')) n++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    },
  };
}

for (const variant of await testDatabases()) {
  describe(`monitor state changes on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    function setup(fence: Fence = singleNodeFence) {
      const clock = new FakeClock(T0);
      const outcomes: Outcome[] = [];
      const probe: ProbeRunner = async () => {
        const o = outcomes.shift() ?? { up: true, reason: 'HTTP 200', statusCode: 200, latencyMs: 5 };
        clock.advance(o.latencyMs);
        return { up: o.up, reason: o.reason, statusCode: o.statusCode, timings: { totalMs: o.latencyMs } };
      };
      const registry = new MonitorRegistry();
      const recorder = new ResultRecorder(handle.db);
      const publisher = new PublishService(handle.db, clock, () => {});
      const maintenance = new MaintenanceService(handle.db, clock);
      const scheduler = new Scheduler(clock, silentLogger, new Telemetry());
      const runner = new MonitorRunner(
        handle.db,
        clock,
        registry,
        recorder,
        maintenance,
        publisher,
        silentLogger,
        fence,
        () => {},
        probe,
      );
      scheduler.addJob({ name: CHECK_JOB, concurrency: 4, run: (id) => runner.check(id) });
      const monitors = new MonitorService(handle.db, clock, registry, scheduler, recorder, async () => new Set());
      const create = async (name: string) => {
        const spec = { name, type: 'http', url: 'http://127.0.0.1:9/', failureThreshold: 2, interval: '30s' };
        await monitors.create(monitors.parse(spec));
        return monitors.get(name).monitor;
      };
      const check = async (id: string, o: Outcome) => {
        outcomes.push(o);
        clock.advance(30_000);
        await runner.check(id);
      };
      return { clock, runner, monitors, create, check, publisher };
    }
    const changesOf = async (num: number) =>
      (await listMonitorChanges(handle.db, num, 50)).changes.reverse().map(({ monitorNum: _n, ...c }) => c);

    it('records the first state, a down and an up with reasons, and nothing for checks that change none', async () => {
      const { runner, create, check, clock, monitors } = setup();
      const m = await create('api');
      assert.deepEqual(m.topics, [], 'no topics: no event, and still every change is recorded');
      const up = { up: true, reason: 'HTTP 200', statusCode: 200, latencyMs: 12 };
      const down = { up: false, reason: 'HTTP 503', statusCode: 503, latencyMs: 40 };
      await check(m.id, up);
      const firstUpAt = clock.now();
      await check(m.id, up);
      await check(m.id, down);
      assert.equal((await changesOf(m.num)).length, 1, 'one failure under the threshold changes nothing');
      await check(m.id, down);
      const downAt = clock.now();
      await check(m.id, { ...down, reason: 'connection refused', statusCode: undefined });
      await check(m.id, up);
      const upAt = clock.now();
      await check(m.id, up);
      assert.deepEqual(await changesOf(m.num), [
        { at: firstUpAt, from: 'PENDING', to: 'UP', reason: 'HTTP 200', statusCode: 200, latencyMs: 12 },
        { at: downAt, from: 'UP', to: 'DOWN', reason: 'HTTP 503', statusCode: 503, latencyMs: 40 },
        { at: upAt, from: 'DOWN', to: 'UP', reason: 'HTTP 200', statusCode: 200, latencyMs: 12 },
      ]);

      clock.advance(1_000);
      const pausedAt = clock.now();
      await monitors.setPaused('api', true);
      clock.advance(1_000);
      await monitors.setPaused('api', false);
      assert.equal((await changesOf(m.num)).length, 3, 'a pause is recorded when its state is written');
      await runner.flush();
      assert.deepEqual((await changesOf(m.num)).slice(3), [
        { at: pausedAt, from: 'UP', to: 'PAUSED', reason: 'paused', statusCode: null, latencyMs: null },
        { at: pausedAt + 1_000, from: 'PAUSED', to: 'UP', reason: 'resumed', statusCode: null, latencyMs: null },
      ]);
      await runner.flush();
      assert.equal((await changesOf(m.num)).length, 5, 'written once');
      await runner.close();
    });

    it('records nothing for a write the fence refuses', async () => {
      const { runner, create, check, monitors } = setup(fencedOut);
      const m = await create('fenced');
      await check(m.id, { up: false, reason: 'HTTP 500', statusCode: 500, latencyMs: 3 });
      await check(m.id, { up: false, reason: 'HTTP 500', statusCode: 500, latencyMs: 3 });
      await check(m.id, { up: true, reason: 'HTTP 200', statusCode: 200, latencyMs: 3 });
      assert.equal(monitors.get('fenced').runtime.health, 'PENDING', 'no check counted');
      await monitors.setPaused('fenced', true);
      await runner.flush();
      assert.deepEqual(await changesOf(m.num), []);
      await runner.close();
    });

    it("writes a batch's changes with one INSERT, and none for a batch without a transition", async () => {
      const { create, publisher } = setup();
      const counting = countingInserts();
      const writer = new MonitorStateWriter(handle.db.withPlugin(counting.plugin), publisher, singleNodeFence);
      const ms = [];
      for (let i = 0; i < 40; i++) ms.push(await create(`batch-${i}`));
      const token = singleNodeFence.token(CHECK_JOB, '')!;
      const runtime = { ...initialRuntime(T0), state: 'DOWN' as const, health: 'DOWN' as const };
      const change = (num: number) => ({
        monitorNum: num,
        at: T0,
        from: 'PENDING',
        to: 'DOWN',
        reason: 'refused',
        statusCode: null,
        latencyMs: 1,
      });
      const written = await Promise.all(
        ms.map((m) => writer.submit({ id: m.id, token, runtime, nextCheckAt: null, changes: [change(m.num)] })),
      );
      assert.ok(written.every(Boolean));
      assert.equal(counting.count(), 1, 'one statement for 40 transitions');
      for (const m of ms) assert.equal((await changesOf(m.num)).length, 1);
      await Promise.all(ms.map((m) => writer.submit({ id: m.id, token, runtime, nextCheckAt: null })));
      assert.equal(counting.count(), 1, 'no statement for writes without a transition');
      await writer.drain();
    });
  });
}
