import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { testDatabases } from '../test-support/test-databases.js';
import { noticesOf } from './change-bus.js';
import { LeaseOwnership, RELEASE_PER_ROUND, type ClusterTimings, type Gained } from './lease-ownership.js';
import { PARTITIONS, partitionOf, preferredNode } from './partitions.js';

const pgVariant = (await testDatabases()).find((v) => v.name === 'postgres');
const timings: ClusterTimings = { leaseTimeoutMs: 1_500, nodeTimeoutMs: 1_500, renewIntervalMs: 300 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('partitions', () => {
  it('spread keys evenly and give every node a fair share, moving about 1/n on a join', () => {
    const counts = new Array(PARTITIONS).fill(0);
    for (let i = 0; i < 128_000; i++) counts[partitionOf('monitor-check', `m-${i}`)]++;
    assert.ok(
      Math.min(...counts) > 800 && Math.max(...counts) < 1200,
      `${Math.min(...counts)}..${Math.max(...counts)}`,
    );
    const three = ['node-a', 'node-b', 'node-c'];
    const share = (nodes: string[]) =>
      nodes.map((n) => [...Array(PARTITIONS).keys()].filter((p) => preferredNode(nodes, p) === n).length);
    for (const n of share(three)) assert.ok(n > 28 && n < 58, `a share of ${n}`);
    const moved = [...Array(PARTITIONS).keys()].filter(
      (p) => preferredNode(three, p) !== preferredNode([...three, 'node-d'], p),
    );
    assert.ok(
      moved.every((p) => preferredNode([...three, 'node-d'], p) === 'node-d'),
      'only to the new node',
    );
    assert.ok(moved.length > 15 && moved.length < 50, `${moved.length} moved`);
  });

  it('notices stay under the payload limit', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `0190c0de-0000-7000-8000-${String(i).padStart(12, '0')}`);
    const notices = noticesOf('node-a', 'monitors', ids);
    assert.ok(notices.length > 1);
    assert.ok(notices.every((n) => Buffer.byteLength(n) < 8000));
    assert.deepEqual(
      notices.flatMap((n) => JSON.parse(n).i),
      ids,
    );
  });
});

describe('leases on postgres', { skip: !pgVariant }, () => {
  let db: Awaited<ReturnType<NonNullable<typeof pgVariant>['create']>>;
  const nodes: LeaseOwnership[] = [];
  const node = (id: string) => {
    const n = new LeaseOwnership(
      db.handle.db,
      { id, address: `${id}:8080`, version: 'test', startedAt: Date.now() },
      timings,
      silentLogger,
      new Telemetry(),
    );
    nodes.push(n);
    return n;
  };
  const owned = (n: LeaseOwnership) => n.ownedPartitions();
  const until = async (what: string, ok: () => boolean, ms = 8_000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
      await sleep(50);
    }
  };

  before(async () => {
    db = await pgVariant!.create();
  });
  after(async () => {
    for (const n of nodes) await n.stop();
    await db.dispose();
  });

  it('a first node takes every partition; a second gets its share in steps; a stop hands everything back', async () => {
    const a = node('node-a');
    await a.join();
    assert.equal(owned(a), PARTITIONS);
    const b = node('node-b');
    const changes: number[] = [];
    a.onChange(() => changes.push(owned(a)));
    await b.join();
    await until('both hold their share', () => owned(a) + owned(b) === PARTITIONS && owned(b) > 40, 10_000);
    // a gave up at most RELEASE_PER_ROUND a round.
    const drops = changes.map((n, i) => (i === 0 ? PARTITIONS - n : changes[i - 1] - n)).filter((d) => d > 0);
    assert.ok(
      drops.every((d) => d <= RELEASE_PER_ROUND),
      `released in steps: ${drops.join(', ')}`,
    );
    for (let p = 0; p < PARTITIONS; p++) {
      const key = `k${p}`;
      assert.notEqual(a.owns('x', key), b.owns('x', key), `${key} is owned by exactly one node`);
    }
    await b.stop();
    await until('a holds everything again', () => owned(a) === PARTITIONS, 3_000);
  });

  it('takes over a node that stopped renewing once its leases expire; the stale node is fenced', async () => {
    const c = node('node-c');
    await c.join();
    const a = nodes[0];
    await until('c holds its share', () => owned(c) > 30, 10_000);
    // Find a key c owns and the token it holds; then freeze c (no more rounds) by stopping its timer only.
    let key = '';
    for (let i = 0; !key; i++) if (c.owns('monitor-check', `m${i}`)) key = `m${i}`;
    const token = c.token('monitor-check', key)!;
    (c as unknown as { stopped: boolean }).stopped = true;
    clearTimeout((c as unknown as { timer: NodeJS.Timeout }).timer);
    const frozenAt = Date.now();
    const gainedAfterCrash: boolean[] = [];
    a.onGain(async (g: Gained) => {
      if (g.has('monitor-check', key)) gainedAfterCrash.push(g.afterCrash('monitor-check', key));
    });
    await until('a owns the key', () => a.owns('monitor-check', key), 10_000);
    const tookMs = Date.now() - frozenAt;
    assert.ok(tookMs < timings.leaseTimeoutMs + timings.nodeTimeoutMs + 1_000, `took ${tookMs} ms`);
    assert.deepEqual(gainedAfterCrash, [true], 'reloaded as after a crash');
    assert.equal(c.owns('monitor-check', key), false, 'c no longer trusts its lease locally');
    const held = await db.handle.db.transaction().execute((trx) => c.hold(trx, [token]));
    assert.equal(held.size, 0, 'a write under the old token is refused');
    const fresh = a.token('monitor-check', key)!;
    assert.equal(fresh.epoch, token.epoch + 1);
    const mine = await db.handle.db.transaction().execute((trx) => a.hold(trx, [fresh]));
    assert.equal(mine.size, 1);
  });
});
