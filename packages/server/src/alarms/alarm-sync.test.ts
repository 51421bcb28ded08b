import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AlarmSpec } from '@tocsin/protocol';
import type { Kysely } from 'kysely';
import type { Fence, LeaseToken } from '../cluster/fence.js';
import { FakeClock } from '../core/clock.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { openDatabase, type Db } from '../db/database.js';
import type { Database } from '../db/db-schema.js';
import { DestinationService } from '../notify/destination-service.js';
import { PublishService } from '../notify/publish-service.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { POSTGRES_URL, testDatabases } from '../test-support/test-databases.js';
import { AlarmService, EVAL_JOB } from './alarm-service.js';

const spec = {
  name: 'errors',
  namespace: 'App',
  metricName: 'errors',
  statistic: 'Sum',
  period: '1m',
  evaluationPeriods: 1,
  threshold: 5,
  comparisonOperator: 'GreaterThanThreshold',
  treatMissingData: 'missing',
  alarmActions: [{ webhook: { url: 'http://127.0.0.1:9/alarm' } }],
  okActions: [{ webhook: { url: 'http://127.0.0.1:9/ok' } }],
};

/** A fence whose leases are all lost: a token is handed out, but no transaction holds it any more. */
class LostFence implements Fence {
  refusedCount = 0;
  token(): LeaseToken {
    return { partition: 7, epoch: 3 };
  }
  async hold(): Promise<Set<LeaseToken>> {
    return new Set();
  }
  refused(domain: string, count: number): void {
    assert.equal(domain, 'alarms');
    this.refusedCount += count;
  }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    ...silentLogger,
    warn: (msg) => void warnings.push(msg),
    child: () => logger,
    warnings,
  };
  return logger;
}

/** One node's alarm service on `db`, evaluating on the errors the test sets (null: no datapoint). */
function node(db: Kysely<Database>, clock: FakeClock, o: { fence?: Fence; logger?: Logger } = {}) {
  const errors = { value: null as number | null, asked: 0 };
  const scheduler = new Scheduler(clock, silentLogger, new Telemetry());
  const alarms = new AlarmService({
    db,
    clock,
    scheduler,
    publisher: new PublishService(db, clock),
    destinations: new DestinationService(clock),
    periods: async (_key, _stat, periodMs, end, n) => {
      errors.asked++;
      return Array.from({ length: n }, (_, i) => ({ start: end - (n - i) * periodMs, value: errors.value }));
    },
    fence: o.fence,
    logger: o.logger,
  });
  scheduler.addJob({ name: EVAL_JOB, concurrency: 4, run: (id) => alarms.evaluateNow(id) });
  return { alarms, errors };
}

const thresholdOf = (s: AlarmSpec) => ('threshold' in s ? s.threshold : undefined);

async function stored(db: Kysely<Database>, id: string) {
  const row = await db.selectFrom('alarms').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const history = await db
    .selectFrom('alarm_history')
    .selectAll()
    .where('alarm_id', '=', id)
    .where('kind', '=', 'state')
    .orderBy('id')
    .execute();
  const deliveries = await db.selectFrom('deliveries').select('id').execute();
  return {
    state: row.state,
    history: history.map((h) => `${h.old_state}>${h.new_state}`),
    deliveries: deliveries.length,
  };
}

for (const variant of await testDatabases()) {
  describe(`alarms across nodes on ${variant.name}`, () => {
    let handle: Db;
    let other: Db | undefined;
    let dbB: Kysely<Database>;
    let dispose: () => Promise<void>;
    let clock: FakeClock;
    before(async () => {
      const created = await variant.create();
      handle = created.handle;
      dispose = created.dispose;
      // The second node has a connection pool of its own on PostgreSQL, as another process would.
      if (created.schema) other = openDatabase(POSTGRES_URL, { schema: created.schema, poolSize: 2 });
      dbB = other?.db ?? handle.db;
    });
    after(async () => {
      await other?.close();
      await dispose();
    });
    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 10, 23, 0, 0, 5));
      await handle.db.deleteFrom('deliveries').execute();
    });

    it('writes nothing for an evaluation whose lease was lost meanwhile, and keeps memory as it was', async () => {
      const fence = new LostFence();
      const logger = recordingLogger();
      const a = node(handle.db, clock, { fence, logger });
      const e = await a.alarms.create(a.alarms.parse({ ...spec, name: 'stale' }));
      a.errors.value = 9;
      clock.advance(60_000);
      const next = await a.alarms.evaluateNow(e.id);
      assert.equal(typeof next, 'number', 'the alarm stays scheduled');
      assert.equal(a.alarms.get('stale').state, 'INSUFFICIENT_DATA');
      assert.equal(a.alarms.get('stale').evaluatedAt, null);
      assert.deepEqual(await stored(handle.db, e.id), { state: 'INSUFFICIENT_DATA', history: [], deliveries: 0 });
      assert.equal(fence.refusedCount, 1);
      assert.equal(logger.warnings.length, 1);
    });

    it('does not evaluate an alarm whose key this node does not own', async () => {
      const fence: Fence = { token: () => null, hold: async (_t, x) => new Set(x), refused: () => {} };
      const a = node(handle.db, clock, { fence });
      const e = await a.alarms.create(a.alarms.parse({ ...spec, name: 'elsewhere' }));
      a.errors.value = 9;
      clock.advance(60_000);
      assert.equal(await a.alarms.evaluateNow(e.id), Math.floor(clock.now() / 60_000) * 60_000 + 60_000);
      assert.equal(a.errors.asked, 0, 'no datapoints read');
      assert.equal(a.alarms.get('elsewhere').state, 'INSUFFICIENT_DATA');
    });

    it('refuses, by compare-and-set, an evaluation from a state changed by hand on another node', async () => {
      const a = node(handle.db, clock);
      const b = node(dbB, clock);
      const e = await a.alarms.create(a.alarms.parse({ ...spec, name: 'cas' }));
      await b.alarms.load();
      await a.alarms.setState('cas', 'ALARM', 'paging test');
      // B has not heard of it: it goes from INSUFFICIENT_DATA to OK, a state the alarm is no longer in.
      b.errors.value = 0;
      clock.advance(60_000);
      await b.alarms.evaluateNow(e.id);
      assert.equal(b.alarms.get('cas').state, 'ALARM', 'read again from the row');
      assert.match(b.alarms.get('cas').reason, /Set by hand: paging test/);
      assert.deepEqual(await stored(handle.db, e.id), {
        state: 'ALARM',
        history: ['INSUFFICIENT_DATA>ALARM'],
        deliveries: 1,
      });
      // The next evaluation starts from the state read again, and is written once.
      clock.advance(60_000);
      await b.alarms.evaluateNow(e.id);
      assert.equal(b.alarms.get('cas').state, 'OK');
      assert.deepEqual(await stored(handle.db, e.id), {
        state: 'OK',
        history: ['INSUFFICIENT_DATA>ALARM', 'ALARM>OK'],
        deliveries: 2,
      });
      // A hears of it (a change notice) and sets by hand again, from the state it now has.
      await a.alarms.sync.changed([e.id]);
      assert.equal(a.alarms.get('cas').state, 'OK');
      await a.alarms.setState('cas', 'ALARM', 'again');
      const s = await stored(handle.db, e.id);
      assert.deepEqual(s.history, ['INSUFFICIENT_DATA>ALARM', 'ALARM>OK', 'OK>ALARM']);
      assert.equal(s.deliveries, 3);
    });

    it('sets a state by hand from a stale memory after reading the row again', async () => {
      const a = node(handle.db, clock);
      const b = node(dbB, clock);
      const e = await a.alarms.create(a.alarms.parse({ ...spec, name: 'hand' }));
      await b.alarms.load();
      await a.alarms.setState('hand', 'ALARM', 'first');
      await b.alarms.setState('hand', 'OK', 'second');
      assert.deepEqual(await stored(handle.db, e.id), {
        state: 'OK',
        history: ['INSUFFICIENT_DATA>ALARM', 'ALARM>OK'],
        deliveries: 2,
      });
    });

    it('writes a chain of changes when evaluations and changes by hand race on two nodes', async () => {
      const a = node(handle.db, clock);
      const b = node(dbB, clock);
      const e = await a.alarms.create(a.alarms.parse({ ...spec, name: 'race' }));
      await b.alarms.load();
      for (let i = 0; i < 6; i++) {
        b.errors.value = i % 2 ? 9 : 0;
        clock.advance(60_000);
        await Promise.all([
          a.alarms.setState('race', i % 2 ? 'OK' : 'ALARM', `round ${i}`),
          b.alarms.evaluateNow(e.id),
        ]);
      }
      const s = await stored(handle.db, e.id);
      // Every change starts from the state the one before it left: none was written from a stale state.
      s.history.forEach((h, i) => {
        if (i > 0) assert.equal(h.split('>')[0], s.history[i - 1]!.split('>')[1], s.history.join(' '));
      });
      assert.equal(s.history.at(-1)!.split('>')[1], s.state);
      // Each webhook action called once per change written (both actions lists have one).
      assert.equal(s.deliveries, s.history.filter((h) => !h.endsWith('INSUFFICIENT_DATA')).length);
    });

    it('reads the stored state of alarms taken over, before evaluating them', async () => {
      const a = node(handle.db, clock);
      const b = node(dbB, clock);
      const e = await a.alarms.create(a.alarms.parse({ ...spec, name: 'taken' }));
      await b.alarms.load();
      a.errors.value = 9;
      clock.advance(60_000);
      await a.alarms.evaluateNow(e.id);
      assert.equal(b.alarms.get('taken').state, 'INSUFFICIENT_DATA');
      await b.alarms.sync.gained({
        has: (job, key) => job === EVAL_JOB && key === e.id,
        afterCrash: () => true,
        atStart: false,
      });
      assert.equal(b.alarms.get('taken').state, 'ALARM');
      assert.equal(b.alarms.get('taken').stateChangedAt, a.alarms.get('taken').stateChangedAt);
    });

    it('adds, replaces and removes alarms changed by another node, and diffs everything on a resync', async () => {
      const a = node(handle.db, clock);
      const b = node(dbB, clock);
      await b.alarms.load();
      const held = b.alarms.list().length;
      const one = await a.alarms.create(a.alarms.parse({ ...spec, name: 'one' }));
      await b.alarms.sync.changed([one.id]);
      assert.equal(thresholdOf(b.alarms.get('one').spec), 5);
      await a.alarms.create(a.alarms.parse({ ...spec, name: 'two' }));
      await a.alarms.create(a.alarms.parse({ name: 'both', rule: 'ALARM(one) AND ALARM(two)' }));
      await a.alarms.replace('one', a.alarms.parse({ ...spec, name: 'one', threshold: 50 }));
      await b.alarms.sync.resync();
      assert.equal(thresholdOf(b.alarms.get('one').spec), 50);
      assert.deepEqual(b.alarms.referrersOf('two'), ['both']);
      await a.alarms.remove('both');
      await b.alarms.sync.changed([one.id, b.alarms.get('both').id]);
      assert.throws(() => b.alarms.get('both'), /does not exist/);
      assert.deepEqual(b.alarms.referrersOf('two'), []);
      assert.equal(b.alarms.list().length, held + 2);
    });
  });
}
