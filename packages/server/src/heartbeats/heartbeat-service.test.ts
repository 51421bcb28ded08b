import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { DEADLINE_JOB } from './heartbeat-service.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const MIN = 60_000;

for (const variant of await testDatabases()) {
  describe(`heartbeats on ${variant.name}`, () => {
    let hooks: HttpReceiver;
    let clock: FakeClock;
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      hooks = await new HttpReceiver().start();
      clock = new FakeClock(Date.parse('2026-06-01T12:00:00+09:00'));
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock }));
      await tocsin.topics.create(
        tocsin.topics.parseTopic({
          name: 'batch',
          subscriptions: [{ protocol: 'webhook', endpoint: `${hooks.url}/hook` }],
        }),
      );
    });
    after(async () => {
      await dispose();
      await hooks.stop();
    });

    const ping = (path: string, body?: string) =>
      tocsin.http.request(path, body === undefined ? {} : { method: 'POST', body });
    const events = () => hooks.requests.map((r) => r.json().event);
    /**
     * Moves the clock `ms` ahead, stopping at each heartbeat deadline on the way (what these
     * tests wait on) and at the end, running the due jobs and the outbox at each stop: the
     * deadline job runs at its very time, with no minute-by-minute walk through the hours.
     */
    async function elapse(ms: number): Promise<void> {
      const end = clock.now() + ms;
      for (;;) {
        const deadlines = tocsin.heartbeats
          .list()
          .map((h) => tocsin.scheduler.dueAt(DEADLINE_JOB, tocsin.heartbeats.get(h.name).row.id))
          .filter((t): t is number => t !== undefined && t > clock.now() && t <= end);
        const next = Math.min(end, ...deadlines);
        clock.set(next);
        await tocsin.scheduler.runDue();
        await tocsin.outbox.runOnce();
        if (next >= end) return;
      }
    }

    it('cron in Asia/Tokyo: one down at 03:30 JST recording the deadline, then up on a ping', async () => {
      const view = await tocsin.heartbeats.create(
        tocsin.heartbeats.parse({
          name: 'nightly',
          cron: '0 3 * * *',
          timezone: 'Asia/Tokyo',
          grace: '30m',
          topics: ['batch'],
        }),
      );
      const uuid = view.pingUrl.split('/').pop()!;
      await elapse(15 * 60 * MIN + 29 * MIN); // to 03:29 JST
      assert.deepEqual(events(), []);
      await elapse(3 * 60 * MIN); // to 06:29 JST
      assert.equal(events().length, 1);
      assert.equal(events()[0].kind, 'heartbeat.down');
      assert.equal(events()[0].attributes.deadline, '2026-06-01T18:30:00.000Z');
      assert.equal(events()[0].time, '2026-06-01T18:30:00.000Z', 'the event is dated at the deadline');
      const res = await ping(`/ping/${uuid}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'OK');
      await tocsin.outbox.runOnce();
      assert.deepEqual(
        events().map((e) => e.kind),
        ['heartbeat.down', 'heartbeat.up'],
      );
      assert.equal(events()[1].dedupKey, events()[0].dedupKey);
      const changes = (await call(tocsin, 'GET', '/api/heartbeats/nightly/changes')).json.changes;
      assert.deepEqual(
        changes.map((c: { from: string; to: string }) => `${c.from}>${c.to}`),
        ['DOWN>UP', 'LATE>DOWN', 'NEW>LATE'],
      );
      assert.equal(changes[1].at, '2026-06-01T18:30:00.000Z', 'the change is dated at the deadline');
    });

    it('a failing run carries its exit status and body; runs are measured by rid', async () => {
      const view = await tocsin.heartbeats.create(
        tocsin.heartbeats.parse({ name: 'backup', period: '1h', grace: '10m', topics: ['batch'] }),
      );
      const uuid = view.pingUrl.split('/').pop()!;
      const rid = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
      assert.equal((await ping(`/ping/${uuid}/start?rid=${rid}`)).status, 200);
      clock.advance(90_000);
      assert.equal((await ping(`/ping/${uuid}/1?rid=${rid}`, 'pg_dump: error: connection refused')).status, 200);
      await tocsin.outbox.runOnce();
      const down = events().at(-1);
      assert.equal(down.kind, 'heartbeat.down');
      assert.equal(down.attributes.exitStatus, 1);
      assert.match(down.text, /pg_dump: error: connection refused/);
      const runs = (await call(tocsin, 'GET', '/api/heartbeats/backup/runs')).json.runs;
      assert.deepEqual(runs[0], {
        finishedAt: new Date(clock.now()).toISOString(),
        durationMs: 90_000,
        result: 'fail',
        exitStatus: 1,
        rid,
      });
      await tocsin.metricsStore.drain();
      const [point] = await tocsin.metricsStore.periods(
        { namespace: 'Tocsin/Heartbeats', name: 'RunDuration', dimensions: { Heartbeat: 'backup' } },
        'Maximum',
        60_000,
        clock.now() + 1,
        1,
      );
      assert.equal(point.value, 90_000, 'the run duration is a datapoint');
      const pings = (await call(tocsin, 'GET', '/api/heartbeats/backup/pings')).json.pings;
      assert.deepEqual(
        pings.map((p: { kind: string }) => p.kind),
        ['fail', 'start'],
      );
      assert.equal(pings[0].body, 'pg_dump: error: connection refused');
    });

    it('answers as Healthchecks does for unknown, malformed and slug URLs, and creates with ?create=1', async () => {
      assert.equal((await ping('/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278')).status, 404);
      assert.equal(await (await ping('/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278')).text(), 'not found');
      // The heartbeat is looked up first, then the exit status and the run id are checked.
      assert.equal((await ping('/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278/999')).status, 404);
      assert.equal((await ping('/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278?rid=nope')).status, 404);
      const backup = new URL(tocsin.heartbeats.view(tocsin.heartbeats.get('backup')).pingUrl).pathname;
      assert.equal((await ping(`${backup}/999`)).status, 400);
      assert.equal((await ping(`${backup}?rid=nope`)).status, 400);
      const key = tocsin.heartbeats.key();
      assert.equal((await ping(`/ping/${key}/backup`)).status, 200);
      assert.equal((await ping(`/ping/wrong-key/backup`)).status, 404);
      assert.equal((await ping(`/ping/${key}/new-job`)).status, 404);
      const created = await ping(`/ping/${key}/new-job?create=1`);
      assert.equal(created.status, 201);
      assert.equal(await created.text(), 'Created');
      assert.equal(tocsin.heartbeats.get('new-job').spec.period, 86_400_000);
    });

    it('cuts a large body and marks it', async () => {
      const view = tocsin.heartbeats.view(tocsin.heartbeats.get('backup'));
      const big = 'x'.repeat(150_000);
      assert.equal((await ping(`${new URL(view.pingUrl).pathname}/log`, big)).status, 200);
      const [latest] = (await call(tocsin, 'GET', '/api/heartbeats/backup/pings?limit=1')).json.pings;
      assert.equal(latest.kind, 'log');
      assert.equal(latest.body.length, 100_000);
      assert.equal(latest.bodyTruncated, true);
    });

    it('limits a runaway loop', async () => {
      const path = `${new URL(tocsin.heartbeats.view(tocsin.heartbeats.get('backup')).pingUrl).pathname}/log`;
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push((await ping(path)).status);
      assert.ok(statuses.includes(429), 'rate limited');
      assert.equal(statuses[0], 200);
    });

    it('rejects bad input with a 400 naming the field and stores nothing', async () => {
      const cases: [unknown, RegExp][] = [
        [{ name: 'x', cron: '61 * * * *', grace: '5m' }, /cron: the minute field '61': 61 is out of range 0-59/],
        [
          { name: 'x', cron: '0 3 * * *', timezone: 'Asia/Nowhere', grace: '5m' },
          /timezone: 'Asia\/Nowhere' is not an IANA time zone/,
        ],
        [{ name: 'x', period: '1h', grace: 0 }, /grace: must be between 1m/],
        [{ name: 'x', period: '1h' }, /grace/],
        [{ name: 'x', grace: '5m' }, /period: give either period/],
      ];
      for (const [body, pattern] of cases) {
        const res = await call(tocsin, 'POST', '/api/heartbeats', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.json.error.message, pattern);
      }
      assert.throws(() => tocsin.heartbeats.get('x'));
    });
  });
}
