/**
 * PostgreSQL restarts under a three-node cluster (a server of the test's own, `pg_ctl restart -m fast`, which
 * drops every connection). Heartbeat pings go to random nodes all along, each with a body of its own; monitors and
 * heartbeats change state before the restart. Afterwards the nodes must carry on: /readyz 200 on each, every
 * monitor checked again, a config change made through one node reaching the others (LISTEN reconnected or a
 * resync), new transitions notified once, and every ping that was answered 200 found in the database.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Cluster,
  monitorStates,
  waitMonitorsUp,
  outboxDrained,
  ping,
  PostgresInstance,
  waitFor,
  WebhookLog,
} from './support/cluster-harness.js';
import { FlapTarget } from './support/flap-target.js';

const MONITORS = 30;
const EXTRA_MONITORS = 6;
const HEARTBEATS = 4;
const INTERVAL_MS = 5000;

describe('cluster PostgreSQL restart', () => {
  it('carries on after PostgreSQL restarts: nothing acknowledged is lost, transitions notified once', async (t) => {
    const reason = PostgresInstance.unavailable();
    if (reason) {
      if (process.env.CI === 'true') throw new Error(`CI needs a PostgreSQL server of the test's own: ${reason}`);
      t.skip(reason);
      return;
    }
    const targets = await new FlapTarget().start();
    const hooks = await new WebhookLog().start();
    let pg: PostgresInstance | undefined;
    let cluster: Cluster | undefined;
    let pinging = true;
    let pinger: Promise<void> | undefined;
    try {
      pg = await PostgresInstance.start();
      cluster = await Cluster.start({ databaseUrl: pg.url });
      const c = cluster;
      const monitor = (i: number) => targets.monitor(i, INTERVAL_MS, ['ops']);
      await c.apply({
        topics: [{ name: 'ops', subscriptions: [{ protocol: 'webhook', endpoint: hooks.url }] }],
        monitors: Array.from({ length: MONITORS }, (_, i) => monitor(i)),
        heartbeats: Array.from({ length: HEARTBEATS }, (_, h) => ({
          name: `job-${h}`,
          period: '1m',
          grace: '1m',
          topics: ['ops'],
        })),
      });
      const hb = (await c.api('GET', '/api/heartbeats')).json.heartbeats as { name: string; pingUrl: string }[];
      const uuid = new Map(hb.map((h) => [h.name, new URL(h.pingUrl).pathname.split('/')[2]]));
      await waitMonitorsUp(c, MONITORS, 30_000);

      // Pings all along, a few a second, to random nodes (job-3 aside: its failure and recovery are the test's): each
      // body names its ping, so that the database can be asked for it afterwards.
      const acked = new Map<string, string[]>();
      const counts = { sent: 0, ok: 0, failed: 0 };
      pinger = (async () => {
        while (pinging) {
          const h = counts.sent % (HEARTBEATS - 1);
          const body = `ping-${counts.sent++}`;
          const res = await ping(c, uuid.get(`job-${h}`)!, '', body, 1);
          if (res.status === 200) {
            counts.ok++;
            acked.set(`job-${h}`, [...(acked.get(`job-${h}`) ?? []), body]);
          } else counts.failed++;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();

      // Transitions before the restart: a monitor goes down, a heartbeat's job fails.
      targets.set(0, false);
      assert.equal((await ping(c, uuid.get('job-3')!, '/fail')).status, 200);
      await waitFor(
        () => hooks.transitionsOf('site-0').length === 1 && hooks.transitionsOf('job-3').length === 1,
        'site-0 and job-3 down notified',
        20_000,
      );

      const restartAt = Date.now();
      await pg.restart();
      const restartMs = Date.now() - restartAt;
      const back = Date.now();
      await waitFor(
        async () => {
          const answers = await Promise.all(
            [...c.nodes.values()].map((n) =>
              fetch(`${n.url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null),
            ),
          );
          return answers.every((a) => a?.status === 200);
        },
        '/readyz 200 on every node',
        20_000,
      ).catch(async (err) => {
        const states = await Promise.all(
          [...c.nodes.values()].map(async (n) => {
            const res = await fetch(`${n.url}/readyz`, { signal: AbortSignal.timeout(2000) })
              .then(async (r) => `${r.status} ${(await r.text()).slice(0, 200)}`)
              .catch((e: Error) => e.message);
            return `${n.id}: ${n.crashed ? `ended by itself (${n.crashed})` : n.state}, /readyz ${res}`;
          }),
        );
        throw new Error(`${err.message}\n${states.join('\n')}\n${c.problems(30)}`);
      });
      const readyMs = Date.now() - back;
      assert.deepEqual(c.crashes(), [], 'no node ended by itself');

      // After: a new monitor outage and a recovery, a heartbeat's recovery, and monitors added through one node.
      targets.set(1, false);
      targets.set(0, true);
      assert.equal((await ping(c, uuid.get('job-3')!)).status, 200, 'job-3 succeeds again');
      const via = c.ids()[0];
      await c.apply({ monitors: Array.from({ length: EXTRA_MONITORS }, (_, i) => monitor(MONITORS + i)) }, via);
      const total = MONITORS + EXTRA_MONITORS;
      await waitFor(
        async () => {
          const lists = await Promise.all(c.ids().map((id) => monitorStates(c, id).catch(() => [])));
          return lists.every((l) => l.length === total);
        },
        `the monitors added through ${via} listed by every node`,
        15_000,
      );
      await waitFor(
        () => Array.from({ length: total }, (_, i) => i).every((i) => targets.firstHitAfter(i, back) !== undefined),
        'every monitor checked after the restart (the new ones too)',
        INTERVAL_MS + 15_000,
      );
      await waitFor(
        () =>
          hooks.transitionsOf('site-0').length >= 2 &&
          hooks.transitionsOf('site-1').length >= 1 &&
          hooks.transitionsOf('job-3').length >= 2,
        'the transitions after the restart notified',
        20_000,
      ).catch((err) => {
        t.diagnostic(c.problems());
        throw err;
      });
      pinging = false;
      await pinger;
      const settledFrom = Date.now();
      await waitFor(
        async () =>
          Array.from({ length: total }, (_, i) => i).every((i) => targets.firstHitAfter(i, settledFrom)) &&
          (await outboxDrained(c)),
        'a check round of every monitor and an empty outbox',
        20_000,
      );

      const lastChecks = await monitorStates(c);
      const stale = lastChecks.filter((m) => !(Date.parse(m.lastCheckAt ?? '') > back)).map((m) => m.name);
      assert.deepEqual(stale, [], 'every monitor has a check stored after the restart');
      assert.deepEqual(hooks.transitionsOf('site-0'), ['monitor.down', 'monitor.up']);
      assert.deepEqual(hooks.transitionsOf('site-1'), ['monitor.down']);
      assert.deepEqual(hooks.transitionsOf('job-3'), ['heartbeat.down', 'heartbeat.up']);
      const others = hooks.unique().filter((d) => !['site-0', 'site-1', 'job-3'].includes(d.source));
      assert.deepEqual(
        others.map((d) => `${d.source} ${d.transition}`),
        [],
        'nothing else changed',
      );
      assert.equal(hooks.duplicates().length, 0, WebhookLog.describe(hooks.duplicates()));

      const lost: string[] = [];
      for (const [name, bodies] of acked) {
        const stored = new Set<string>();
        let before = '';
        for (;;) {
          const res = await c.api('GET', `/api/heartbeats/${name}/pings?limit=1000${before}`);
          assert.equal(res.status, 200);
          const page = res.json.pings as { id: string; body: string | null }[];
          for (const p of page) stored.add(p.body ?? '');
          if (page.length < 1000) break;
          before = `&before=${encodeURIComponent(page[page.length - 1].id)}`;
        }
        lost.push(...bodies.filter((b) => !stored.has(b)).map((b) => `${name} ${b}`));
      }
      assert.deepEqual(lost, [], 'every ping answered 200 is stored');
      t.diagnostic(
        `PostgreSQL restarted in ${restartMs} ms, every node ready ${readyMs} ms later; pings ${counts.sent} sent, ` +
          `${counts.ok} acknowledged (all stored), ${counts.failed} not; ${hooks.unique().length} deliveries, ` +
          `${hooks.resends()} re-sent`,
      );
    } finally {
      pinging = false;
      await pinger?.catch(() => {});
      await cluster?.close();
      await pg?.close();
      await targets.stop();
      await hooks.stop();
    }
  });
});
