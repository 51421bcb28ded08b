/**
 * A rolling restart of a three-node cluster: each node in turn is stopped (SIGTERM, which releases its leases at
 * once), started again under the same id, and waited for until it is alive and owns partitions again. Throughout,
 * every one of 100 monitors (interval 5 s) is checked at least once per interval plus the lease timeout (plus a
 * renew interval and 2 s for load), going by the targets' hit log, and the outages the script gives a third of
 * them are each notified exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Cluster,
  LEASE_TIMEOUT_MS,
  waitMonitorsUp,
  outboxDrained,
  ownedKeys,
  RENEW_INTERVAL_MS,
  waitFor,
  WebhookLog,
} from './support/cluster-harness.js';
import { FlapTarget } from './support/flap-target.js';

const MONITORS = 100;
const INTERVAL_MS = 5000;
const SLACK_MS = 2000;
const BOUND_MS = INTERVAL_MS + LEASE_TIMEOUT_MS + RENEW_INTERVAL_MS + SLACK_MS;
const OUTAGE_MS = 12_000;
/** Every third monitor is down for 12 s, starting between 2 and 20 s into the script. */
const outageOf = (i: number) => (i % 3 ? undefined : 2000 + ((i * 7919) % 18_000));

describe('cluster rolling restart', () => {
  it('keeps every monitor checked while each node restarts in turn, and notifies each outage once', async (t) => {
    const targets = await new FlapTarget().start();
    const hooks = await new WebhookLog().start();
    let cluster: Cluster | undefined;
    try {
      cluster = await Cluster.start();
      const c = cluster;
      await c.apply({
        topics: [{ name: 'ops', subscriptions: [{ protocol: 'webhook', endpoint: hooks.url }] }],
        monitors: targets.monitors(MONITORS, INTERVAL_MS, ['ops']),
      });
      await waitMonitorsUp(c, MONITORS, 30_000);
      await c.waitOwning(c.ids(), 15_000);
      for (let i = 0; i < MONITORS; i++) {
        const from = outageOf(i);
        if (from !== undefined) targets.downDuring(i, from, from + OUTAGE_MS);
      }
      const start = targets.begin();

      const restarts: string[] = [];
      for (const id of c.ids()) {
        const stoppedAt = Date.now();
        await c.stop(id);
        const stopMs = Date.now() - stoppedAt;
        await c.restart(id);
        const startMs = Date.now() - stoppedAt - stopMs;
        const other = c.ids().find((x) => x !== id)!;
        await c.waitOwning([id], 20_000, other);
        restarts.push(`${id}: stop ${stopMs} ms, start ${startMs} ms, owning again +${Date.now() - stoppedAt} ms`);
      }
      const restartsDone = Date.now();

      const lastChange = start + 20_000 + OUTAGE_MS;
      await new Promise((r) => setTimeout(r, Math.max(0, lastChange - Date.now())));
      const expected = Array.from({ length: MONITORS }, (_, i) =>
        targets.expectedTransitions(i, Date.now(), BOUND_MS + 1000),
      );
      const missing = () =>
        expected.flatMap((kinds, i) => (hooks.transitionsOf(`site-${i}`).length < kinds.length ? [i] : []));
      await waitFor(() => missing().length === 0, 'every scripted transition', 30_000).catch((err) => {
        t.diagnostic(c.problems());
        throw new Error(`${err.message}; missing for ${missing().map((i) => `site-${i}`)}`);
      });
      const settledFrom = Date.now();
      await waitFor(
        async () =>
          expected.every((_, i) => targets.firstHitAfter(i, settledFrom) !== undefined) && (await outboxDrained(c)),
        'a check round of every monitor and an empty outbox',
        20_000,
      );
      const end = Date.now();

      const gaps = expected.map((_, i) => targets.longestGap(i, start, end));
      const late = gaps.flatMap((g, i) =>
        g.ms > BOUND_MS ? [`site-${i} unchecked for ${g.ms} ms from +${g.after - start} ms`] : [],
      );
      assert.deepEqual(late, [], `every monitor checked within ${BOUND_MS} ms throughout`);
      const wrong = expected.flatMap((kinds, i) => {
        const got = hooks.transitionsOf(`site-${i}`);
        return JSON.stringify(got) === JSON.stringify(kinds) ? [] : [`site-${i}: expected ${kinds} got ${got}`];
      });
      assert.deepEqual(wrong, [], 'each outage notified exactly once');
      const dups = hooks.duplicates();
      assert.equal(dups.length, 0, `transitions notified twice:\n${WebhookLog.describe(dups)}`);
      let owned = 0;
      await waitFor(
        async () => {
          owned = ownedKeys(await c.view(), 'monitor-check');
          return owned === MONITORS;
        },
        'every monitor key run by one node',
        3 * RENEW_INTERVAL_MS + 2000,
      ).catch(() => assert.fail(`the live nodes run ${owned} monitor keys, not ${MONITORS}`));
      assert.deepEqual(c.crashes(), [], 'no node ended by itself');
      t.diagnostic(
        `${restarts.join('; ')}; restarts took ${restartsDone - start} ms; longest gap ` +
          `${Math.max(...gaps.map((g) => g.ms))} ms (bound ${BOUND_MS}); ${hooks.unique().length} deliveries, ` +
          `${hooks.resends()} re-sent; ${targets.hits.length} checks`,
      );
    } finally {
      await cluster?.close();
      await targets.stop();
      await hooks.stop();
    }
  });
});
