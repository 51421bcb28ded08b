/**
 * A node paused for less than the lease timeout (SIGSTOP, a long garbage collection, a loaded machine) keeps its
 * leases: nobody may take them, so it must go on running every key it owns once it resumes. Its local trust in
 * its leases lapses during the pause (it stops running keys on its own before they could expire), and a check
 * that came due meanwhile finds no lease; once the next round renews them, every such key must run again.
 * A cluster of one on PostgreSQL is enough to show it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, LEASE_TIMEOUT_MS, waitMonitorsUp } from './support/cluster-harness.js';
import { FlapTarget } from './support/flap-target.js';

const MONITORS = 50;
const INTERVAL_MS = 5000;
/** Longer than the time a lease is trusted locally (lease timeout less a margin), shorter than the lease. */
const PAUSE_MS = LEASE_TIMEOUT_MS - 300;
const SLACK_MS = 2000;

describe('cluster pause shorter than the lease', () => {
  it('runs every key again after a pause the leases outlive', async (t) => {
    const targets = await new FlapTarget().start();
    let cluster: Cluster | undefined;
    try {
      cluster = await Cluster.start({ ids: ['node-a'] });
      const c = cluster;
      await c.apply({
        monitors: targets.monitors(MONITORS, INTERVAL_MS),
      });
      await waitMonitorsUp(c, MONITORS, 30_000);
      const ids = Array.from({ length: MONITORS }, (_, i) => i);
      // Every monitor in its rhythm, so that some come due during the pause.
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
      c.pause('node-a');
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      c.resume('node-a');
      const resumedAt = Date.now();
      const deadline = resumedAt + INTERVAL_MS + SLACK_MS;
      await new Promise((r) => setTimeout(r, deadline + INTERVAL_MS - Date.now()));
      const stopped = ids.filter(
        (i) => (targets.lastHitBefore(i, Date.now()) ?? 0) < Date.now() - INTERVAL_MS - SLACK_MS,
      );
      const late = ids.filter((i) => (targets.firstHitAfter(i, resumedAt) ?? Infinity) > deadline);
      const view = await c.view();
      assert.deepEqual(
        late.map((i) => `site-${i}: last checked +${(targets.lastHitBefore(i, Date.now()) ?? 0) - pausedAt} ms`),
        [],
        `every monitor checked within ${INTERVAL_MS + SLACK_MS} ms of the resume; ${stopped.length} not checked ` +
          `any more; node-a owns ${view.nodes[0]?.partitions} partitions, ` +
          `${view.nodes[0]?.owns['monitor-check']} monitor keys`,
      );
      assert.deepEqual(c.crashes(), [], 'no node ended by itself');
      t.diagnostic(`paused ${PAUSE_MS} ms; every monitor checked again within ${INTERVAL_MS + SLACK_MS} ms`);
    } finally {
      await cluster?.close();
      await targets.stop();
    }
  });
});
