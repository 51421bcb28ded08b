/**
 * Three nodes on one PostgreSQL schema share 300 monitors, 12 heartbeats and 6 alarms; one node is killed with
 * SIGKILL in the middle of a script of outages. Its monitors must be checked again by the others within an
 * interval plus the lease timeout (plus a renew interval and 2 s for load), and every scripted transition of a
 * monitor (down, up), a heartbeat (down on a run that ran too long, up at the next success) and an alarm
 * (INSUFFICIENT_DATA->OK, OK->ALARM, ALARM->OK) must reach the webhook exactly once: no transition missing, none
 * under two delivery ids. A re-send of one delivery id after the kill is at least once, allowed, and counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Cluster,
  LEASE_TIMEOUT_MS,
  monitorStates,
  NODE_TIMEOUT_MS,
  outboxDrained,
  pickOne,
  ping,
  RENEW_INTERVAL_MS,
  waitFor,
  waitListed,
  waitMonitorsUp,
  WebhookLog,
} from './support/cluster-harness.js';
import { FlapTarget } from './support/flap-target.js';

const MONITORS = 300;
/** Monitors run at 5 and 6 s: 5 s is the shortest interval a monitor may have. */
const intervalOf = (i: number) => (i % 2 ? 6000 : 5000);
const SLACK_MS = 2000;
const recheckBound = (i: number) => intervalOf(i) + LEASE_TIMEOUT_MS + RENEW_INTERVAL_MS + SLACK_MS;
/** The longest a monitor may go unchecked, so the shortest outage (or recovery) the script may hold. */
const MIN_STATE_MS = 6000 + LEASE_TIMEOUT_MS + RENEW_INTERVAL_MS + SLACK_MS;
const KILL_AT = 14_000;

/** Even monitors go down once, for 13 s, starting between 2 and 20 s into the script. */
const outageOf = (i: number) => (i % 2 ? undefined : 2000 + ((i * 7919) % 18_000));
const OUTAGE_MS = 13_000;

const HEARTBEATS = 12;
/** A run starts at s (and is never finished: it runs too long 2 s later); a success at s + 12 s recovers it. */
const runStartOf = (h: number) => (h < 4 ? 3000 + h * 500 : KILL_AT - 1500 + (h - 4) * 400);
const MAX_RUNTIME_MS = 2000;
const RECOVER_AFTER_MS = 12_000;

const ALARMS = 6;
/** Each alarm's metric is high (90, over the threshold 50) for 12 s from c, else 10; a datapoint a second. */
const highFrom = (a: number) => KILL_AT - 8000 + a * 2000;
const HIGH_MS = 12_000;

/** What went missing, and what the targets, the outbox and the nodes say about it: a failure's message. */
async function explain(
  c: Cluster,
  hooks: WebhookLog,
  targets: FlapTarget,
  missing: [string, string[]][],
  kindOf: (name: string) => string,
  start: number,
): Promise<string> {
  const pending = await c.api('GET', '/api/deliveries?status=pending&limit=1000').catch(() => undefined);
  const states = new Map((await monitorStates(c).catch(() => [])).map((m) => [m.name, m]));
  const lines = missing.slice(0, 8).map(([name, kinds]) => {
    const got = hooks.transitionsOf(name, kindOf(name));
    const m = /^site-(\d+)$/.exec(name);
    const hits = m
      ? targets
          .hitsOf(Number(m[1]))
          .map((h) => `${h.up ? '+' : '-'}${h.at - start}`)
          .join(' ')
      : '';
    const st = states.get(name);
    return `${name}: expected ${kinds} got [${got}]; ${st ? `${st.state}, last check ${st.lastCheckAt}; ` : ''}${hits}`;
  });
  return [
    `${missing.length} sources short of their transitions; ${hooks.unique().length} deliveries arrived; ` +
      `${pending?.json?.deliveries?.length ?? '?'} pending in the outbox`,
    ...lines,
    c.problems(20),
  ].join('\n');
}

describe('cluster failover', () => {
  it('takes over a killed node: its monitors checked again in time, every transition notified once', async (t) => {
    const targets = await new FlapTarget().start();
    const hooks = await new WebhookLog().start();
    let cluster: Cluster | undefined;
    const timers: NodeJS.Timeout[] = [];
    let feeding = true;
    try {
      cluster = await Cluster.start();
      const c = cluster;
      const monitorName = (i: number) => `site-${i}`;
      await c.apply({
        topics: [{ name: 'ops', subscriptions: [{ protocol: 'webhook', endpoint: hooks.url }] }],
        monitors: Array.from({ length: MONITORS }, (_, i) => ({
          name: monitorName(i),
          type: 'http',
          url: targets.urlOf(i),
          interval: `${intervalOf(i)}ms`,
          timeout: '2s',
          failureThreshold: 1,
          topics: ['ops'],
        })),
        heartbeats: Array.from({ length: HEARTBEATS }, (_, h) => ({
          name: `job-${h}`,
          period: '1m',
          grace: '1m',
          maxRuntime: `${MAX_RUNTIME_MS}ms`,
          topics: ['ops'],
        })),
        alarms: Array.from({ length: ALARMS }, (_, a) => ({
          name: `load-${a}`,
          namespace: 'Test/Cluster',
          metricName: 'load',
          dimensions: { Alarm: `load-${a}` },
          statistic: 'Maximum',
          period: '10s',
          evaluationPeriods: 1,
          threshold: 50,
          comparisonOperator: 'GreaterThanThreshold',
          treatMissingData: 'notBreaching',
          alarmActions: [{ topic: 'ops' }],
          okActions: [{ topic: 'ops' }],
        })),
      });

      let t0: number | undefined;
      const feed = async () => {
        if (!feeding) return;
        const now = Date.now();
        await Promise.all(
          Array.from({ length: ALARMS }, async (_, a) => {
            const at = t0 === undefined ? -1 : now - t0;
            const value = at >= highFrom(a) && at < highFrom(a) + HIGH_MS ? 90 : 10;
            const datum = { MetricName: 'load', Dimensions: [{ Name: 'Alarm', Value: `load-${a}` }], Value: value };
            const body = { Namespace: 'Test/Cluster', MetricData: [{ ...datum, StorageResolution: 1 }] };
            for (let i = 0; i < 3; i++) {
              const res = await c.api('POST', '/api/metrics', body, undefined, 3000).catch(() => undefined);
              if (res?.status === 202) return;
            }
          }),
        );
        if (feeding) timers.push(setTimeout(feed, Math.max(0, now + 1000 - Date.now())));
      };
      void feed();

      const uuids = new Map<string, string>();
      const hb = (await c.api('GET', '/api/heartbeats')).json.heartbeats as { name: string; pingUrl: string }[];
      for (const h of hb) uuids.set(h.name, new URL(h.pingUrl).pathname.split('/')[2]);
      const acks = { ok: 0, failed: 0 };
      const pingJob = async (h: number, action = '') => {
        const res = await ping(c, uuids.get(`job-${h}`)!, action);
        if (res.status === 200) acks.ok++;
        else acks.failed++;
        return res.status;
      };
      for (let h = 0; h < HEARTBEATS; h++) assert.equal(await pingJob(h), 200, `first ping of job-${h}`);

      await waitMonitorsUp(c, MONITORS, 40_000).catch(async (err) => {
        const notUp = (await monitorStates(c)).filter((m) => m.state !== 'UP').map((m) => Number(m.name.slice(5)));
        const hits = notUp.slice(0, 5).map((i) => `site-${i}: ${targets.hitsOf(i).length} checks`);
        throw new Error(`${err.message}\n${hits.join('\n')}\n${c.problems(20)}`);
      });
      await waitListed(c, '/api/heartbeats', 'heartbeats', 'UP', HEARTBEATS, 10_000);
      await waitListed(c, '/api/alarms', 'alarms', 'OK', ALARMS, 30_000);

      for (let i = 0; i < MONITORS; i++) {
        const from = outageOf(i);
        if (from !== undefined) targets.downDuring(i, from, from + OUTAGE_MS);
      }
      t0 = targets.begin();
      const start = t0;
      // Heartbeats: healthy ones get a success every 2 s; each job starts a run at its time and stays silent until
      // its recovery, when a success ends the outage.
      const silent = (h: number, at: number) => at >= runStartOf(h) && at < runStartOf(h) + RECOVER_AFTER_MS;
      const routine = async () => {
        if (!feeding) return;
        const at = Date.now() - start;
        await Promise.all(Array.from({ length: HEARTBEATS }, (_, h) => (silent(h, at) ? 0 : pingJob(h))));
        if (feeding) timers.push(setTimeout(routine, 2000));
      };
      timers.push(setTimeout(routine, 2000));
      for (let h = 0; h < HEARTBEATS; h++) {
        timers.push(setTimeout(() => void pingJob(h, '/start'), runStartOf(h)));
        timers.push(setTimeout(() => void pingJob(h), runStartOf(h) + RECOVER_AFTER_MS));
      }

      const victim = pickOne(c.ids());
      await new Promise((r) => timers.push(setTimeout(r, Math.max(0, start + KILL_AT - Date.now()))));
      const killedAt = Date.now();
      await c.kill(victim);
      const survivor = c.running()[0].id;
      let view = await c.view(survivor);
      await waitFor(
        async () => {
          view = await c.view(survivor);
          const dead = view.nodes.find((n) => n.id === victim)?.state === 'dead';
          const owned = view.nodes.filter((n) => n.state === 'alive').reduce((s, n) => s + n.partitions, 0);
          return dead && owned === view.partitions;
        },
        `${victim} dead and its partitions taken (${JSON.stringify(view.nodes.map((n) => [n.id, n.state]))})`,
        NODE_TIMEOUT_MS + LEASE_TIMEOUT_MS + 5000,
      );
      const seenDead = Date.now() - killedAt;

      // Every scripted transition arrives; then one more check round of every monitor and an empty outbox, so that
      // a transition notified twice would have arrived too.
      const expected = new Map<string, string[]>();
      const lastChange = start + 20_000 + OUTAGE_MS;
      await new Promise((r) => timers.push(setTimeout(r, Math.max(0, lastChange - Date.now()))));
      for (let i = 0; i < MONITORS; i++)
        expected.set(monitorName(i), targets.expectedTransitions(i, Date.now(), MIN_STATE_MS));
      for (let h = 0; h < HEARTBEATS; h++) expected.set(`job-${h}`, ['heartbeat.down', 'heartbeat.up']);
      for (let a = 0; a < ALARMS; a++) expected.set(`load-${a}`, ['INSUFFICIENT_DATA->OK', 'OK->ALARM', 'ALARM->OK']);
      const kindOf = (name: string) =>
        name.startsWith('site') ? 'monitor.' : name.startsWith('job') ? 'heart' : 'alarm';
      const missing = () =>
        [...expected].filter(([name, kinds]) => hooks.transitionsOf(name, kindOf(name)).length < kinds.length);
      await waitFor(() => missing().length === 0, 'every scripted transition', 40_000).catch(async (err) => {
        throw new Error(`${err.message}\n${await explain(c, hooks, targets, missing(), kindOf, start)}`);
      });
      feeding = false;
      const settledFrom = Date.now();
      await waitFor(
        async () =>
          Array.from({ length: MONITORS }, (_, i) => i).every((i) => targets.firstHitAfter(i, settledFrom)) &&
          (await outboxDrained(c)),
        'a check round of every monitor and an empty outbox',
        20_000,
      );
      const end = Date.now();

      const late: string[] = [];
      const takeovers: number[] = [];
      for (let i = 0; i < MONITORS; i++) {
        const gap = targets.longestGap(i, start, end);
        if (gap.ms > recheckBound(i))
          late.push(`${monitorName(i)} unchecked for ${gap.ms} ms from +${gap.after - start} ms (kill at +${KILL_AT})`);
        const before = targets.lastHitBefore(i, killedAt);
        const next = targets.firstHitAfter(i, killedAt);
        if (before !== undefined && next !== undefined && next - before > intervalOf(i) + 1000)
          takeovers.push(next - killedAt);
      }
      assert.deepEqual(late, [], 'every monitor checked within interval + lease timeout + renew interval + 2 s');
      assert.ok(takeovers.length >= 10, `monitors left late by the kill of ${victim}: ${takeovers.length}`);

      const wrong = [...expected]
        .map(([name, kinds]) => ({ name, kinds, got: hooks.transitionsOf(name, kindOf(name)) }))
        .filter((x) => JSON.stringify(x.kinds) !== JSON.stringify(x.got));
      assert.deepEqual(
        wrong.slice(0, 10).map((x) => `${x.name}: expected ${x.kinds.join(',')} got ${x.got.join(',')}`),
        [],
        'each transition exactly once',
      );
      const dups = hooks.duplicates();
      assert.equal(dups.length, 0, `transitions notified twice:\n${WebhookLog.describe(dups)}`);
      const unique = hooks.unique();
      assert.deepEqual(c.crashes(), [], 'no node ended by itself');
      t.diagnostic(
        `killed ${victim} at +${KILL_AT} ms; seen dead with its partitions taken after ${seenDead} ms; ` +
          `${takeovers.length} monitors taken over, first check after the kill within ${Math.max(...takeovers)} ms ` +
          `(mean ${Math.round(takeovers.reduce((s, x) => s + x, 0) / takeovers.length)} ms); ` +
          `${unique.length} deliveries (${unique.filter((d) => d.kind.startsWith('monitor')).length} monitor, ` +
          `${unique.filter((d) => d.kind.startsWith('heartbeat')).length} heartbeat, ` +
          `${unique.filter((d) => d.kind === 'alarm.state').length} alarm), ${hooks.resends()} re-sent; ` +
          `${targets.hits.length} checks; pings ${acks.ok} acknowledged, ${acks.failed} not`,
      );
    } finally {
      feeding = false;
      for (const timer of timers) clearTimeout(timer);
      await cluster?.close();
      await targets.stop();
      await hooks.stop();
    }
  });
});
