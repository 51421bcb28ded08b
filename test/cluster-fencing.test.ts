/**
 * Fencing: one of three nodes is frozen (SIGSTOP) for twice the lease timeout, with checks of its own in flight;
 * its keys move to the others. While it is frozen, targets of monitors it owned go down, so the others notify;
 * then it is resumed (SIGCONT). It must write nothing for the keys it lost (its in-flight checks see the outage
 * too: a node that did not check its lease would notify it a second time), it must rejoin (alive again and owning
 * partitions within a few seconds), and when it takes its partitions back, while those monitors are still down,
 * it must start from the stored state, not from what it remembered: every outage is notified exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Cluster,
  LEASE_TIMEOUT_MS,
  waitMonitorsUp,
  outboxDrained,
  pickOne,
  RENEW_INTERVAL_MS,
  request,
  waitFor,
  WebhookLog,
} from './support/cluster-harness.js';
import { FlapTarget } from './support/flap-target.js';

const MONITORS = 150;
const INTERVAL_MS = 5000;
const PAUSE_MS = 2 * LEASE_TIMEOUT_MS;
const BOUND_MS = INTERVAL_MS + LEASE_TIMEOUT_MS + RENEW_INTERVAL_MS + 2000;
/** Even monitors go down (answering late, so that the frozen node has checks of them in flight) just before. */
const SLOW_DOWN_BEFORE_MS = 800;
const SLOW_ANSWER_MS = 1500;
/** When the frozen node's stalled monitors are picked out: before any lease of it can have expired. */
const PICK_AFTER_MS = LEASE_TIMEOUT_MS - 2 * RENEW_INTERVAL_MS;
/** When every target is up again, counted from the pause. */
const RECOVER_AT_MS = 14_000;

function counter(metrics: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\S+?)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m && m[1] === name) out[m[2] ?? ''] = (out[m[2] ?? ''] ?? 0) + Number(m[3]);
  }
  return out;
}

describe('cluster fencing', () => {
  it('a node frozen past its leases writes nothing for the keys it lost, and rejoins', async (t) => {
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
      // Checks must have settled into their rhythm: a monitor is stalled when its next check is overdue.
      await new Promise((r) => setTimeout(r, INTERVAL_MS + 500));
      const victim = pickOne(c.ids());
      const others = c.ids().filter((id) => id !== victim);

      const slowFrom = Date.now();
      for (let i = 0; i < MONITORS; i += 2) {
        targets.set(i, false, slowFrom);
        targets.delay(i, SLOW_ANSWER_MS);
      }
      await new Promise((r) => setTimeout(r, SLOW_DOWN_BEFORE_MS));
      const pausedAt = Date.now();
      c.pause(victim);
      await new Promise((r) => setTimeout(r, Math.max(0, pausedAt + PICK_AFTER_MS - Date.now())));
      const now = Date.now();
      const stalled = Array.from({ length: MONITORS }, (_, i) => i).filter((i) => {
        const last = targets.lastHitBefore(i, now);
        return last !== undefined && last < pausedAt && last + INTERVAL_MS < now - 300;
      });
      const flipped = stalled.filter((i) => i % 2 === 1);
      for (const i of flipped) targets.set(i, false);
      assert.ok(flipped.length > 0, `monitors of ${victim} left unchecked while it is frozen: ${stalled.length}`);

      await new Promise((r) => setTimeout(r, Math.max(0, pausedAt + PAUSE_MS - Date.now())));
      const victimNode = c.node(victim);
      const before = await request(c.node(others[0]).url, 'GET', '/api/cluster');
      c.resume(victim);
      const resumedAt = Date.now();
      const rejoin = await c.waitOwning([victim], 15_000, others[0]);
      const rejoinMs = Date.now() - resumedAt;
      const selfView = await c.view(victim);

      const recoverAt = pausedAt + RECOVER_AT_MS;
      await new Promise((r) => setTimeout(r, Math.max(0, recoverAt - Date.now())));
      for (let i = 0; i < MONITORS; i++) {
        targets.set(i, true);
        targets.delay(i, 0);
      }
      const expected = Array.from({ length: MONITORS }, (_, i) =>
        targets.expectedTransitions(i, Date.now(), BOUND_MS + 1000),
      );
      const missing = () => expected.flatMap((k, i) => (hooks.transitionsOf(`site-${i}`).length < k.length ? [i] : []));
      await waitFor(() => missing().length === 0, 'every transition', 30_000).catch((err) => {
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

      const wrong = expected.flatMap((kinds, i) => {
        const got = hooks.transitionsOf(`site-${i}`);
        return JSON.stringify(got) === JSON.stringify(kinds) ? [] : [`site-${i}: expected ${kinds} got ${got}`];
      });
      assert.deepEqual(wrong, [], 'each transition exactly once');
      const dups = hooks.duplicates();
      assert.equal(dups.length, 0, `transitions notified twice:\n${WebhookLog.describe(dups)}`);
      const fromVictim = hooks
        .unique()
        .filter((d) => d.node === victim && d.eventAt >= pausedAt && d.eventAt < resumedAt + LEASE_TIMEOUT_MS);
      assert.deepEqual(
        fromVictim.map((d) => `${d.source} ${d.transition} at +${d.eventAt - pausedAt} ms`),
        [],
        `events made by ${victim} for keys it had lost`,
      );
      assert.ok(
        selfView.nodes.some((n) => n.id === victim && n.self && n.state === 'alive'),
        `${victim} sees itself alive: ${JSON.stringify(selfView.nodes)}`,
      );

      const metrics = await request(victimNode.url, 'GET', '/metrics');
      const text = typeof metrics.json === 'string' ? metrics.json : '';
      const fenced = counter(text, 'tocsin_cluster_fenced_writes_total');
      const changes = counter(text, 'tocsin_cluster_lease_changes_total');
      const nodeIds = hooks.unique().filter((d) => d.node !== undefined).length;
      assert.deepEqual(c.crashes(), [], 'no node ended by itself');
      t.diagnostic(
        `froze ${victim} for ${PAUSE_MS} ms; ${stalled.length} of its monitors stalled, ${flipped.length} of them ` +
          `went down while it was frozen; partitions before the resume ` +
          `${JSON.stringify(before.json?.nodes?.map((n: any) => [n.id, n.state, n.partitions]))}; rejoined ` +
          `(alive, owning ${rejoin.nodes.find((n) => n.id === victim)?.partitions}) ${rejoinMs} ms after SIGCONT; ` +
          `fenced writes ${JSON.stringify(fenced)}; lease changes ${JSON.stringify(changes)}; ` +
          `${hooks.unique().length} deliveries (${nodeIds} naming their node), ${hooks.resends()} re-sent`,
      );
    } finally {
      await cluster?.close();
      await targets.stop();
      await hooks.stop();
    }
  });
});
