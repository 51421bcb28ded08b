import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTocsin, type Tocsin } from '../app.js';
import type { AppContext } from '../app-module.js';
import { FakeClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { loadSettings } from '../config/settings.js';
import { POSTGRES_URL, createPostgresSchema, testDatabases } from '../test-support/test-databases.js';
import { TEST_ADMIN_TOKEN, call } from '../test-support/test-app.js';

const postgres = (await testDatabases()).some((v) => v.name === 'postgres');

/** One node of a cluster on `schema`: a whole Tocsin whose change listener runs (its workers do not). */
async function startNode(schema: string, nodeId: string, clock: FakeClock) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-node-'));
  const settings = loadSettings(
    {
      'data-dir': dir,
      'admin-token': TEST_ADMIN_TOKEN,
      'public-url': 'http://tocsin.test',
      'database-url': POSTGRES_URL,
      'node-id': nodeId,
    },
    {},
    dir,
  );
  let ctx: AppContext | undefined;
  const tocsin = await createTocsin(settings, {
    logger: silentLogger,
    clock,
    schema,
    extraModules: [
      (c) => {
        ctx = c;
        return { name: 'test-probe' };
      },
    ],
  });
  // createTocsin joined the cluster: the listener listens (and has resynced).
  assert.equal(ctx!.cluster.mode, 'cluster');
  return {
    tocsin,
    async close() {
      await tocsin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits, at most 5 s, for `check` to hold. */
async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const has = (t: Tocsin, name: string) => t.alarms.list().some((a) => a.spec.name === name);

describe('alarms and groups on two nodes of one PostgreSQL schema', { skip: !postgres }, () => {
  let a: Awaited<ReturnType<typeof startNode>>;
  let b: Awaited<ReturnType<typeof startNode>>;
  let drop: () => Promise<void>;
  before(async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 0, 0, 5));
    const created = await createPostgresSchema();
    drop = created.drop;
    a = await startNode(created.schema, 'node-a', clock);
    b = await startNode(created.schema, 'node-b', clock);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('shows on one node the alarms created, replaced, set and deleted through the other', async () => {
    const spec = {
      name: 'errors',
      namespace: 'App',
      metricName: 'errors',
      statistic: 'Sum',
      period: '1m',
      evaluationPeriods: 1,
      threshold: 5,
      comparisonOperator: 'GreaterThanThreshold',
    };
    assert.equal((await call(a.tocsin, 'POST', '/api/alarms', spec)).status, 201);
    await eventually('created on a, seen on b', () => has(b.tocsin, 'errors'));
    assert.equal((await call(b.tocsin, 'GET', '/api/alarms/errors')).json.state, 'INSUFFICIENT_DATA');

    assert.equal((await call(a.tocsin, 'PUT', '/api/alarms/errors', { ...spec, threshold: 7 })).status, 200);
    await eventually('replaced on a, seen on b', () => {
      const s = b.tocsin.alarms.get('errors').spec;
      return 'threshold' in s && s.threshold === 7;
    });

    const set = await call(b.tocsin, 'PUT', '/api/alarms/errors/state', { state: 'ALARM', reason: 'pager test' });
    assert.equal(set.status, 200, set.text);
    await eventually('set by hand on b, seen on a', () => a.tocsin.alarms.get('errors').state === 'ALARM');
    assert.match(a.tocsin.alarms.get('errors').reason, /pager test/);

    assert.equal((await call(a.tocsin, 'DELETE', '/api/alarms/errors')).status, 204);
    await eventually('deleted on a, gone on b', () => !has(b.tocsin, 'errors'));
  });

  it('shows on one node the groups applied through the other', async () => {
    const group = { name: 'web', selector: { role: 'web' }, expectedSize: 2 };
    await a.tocsin.config.apply({ config: { groups: [group] } });
    await eventually('applied on a, seen on b', () => b.tocsin.groups.list().some((g) => g.name === 'web'));
    await a.tocsin.config.apply({ config: { groups: [{ ...group, expectedSize: 3 }] } });
    await eventually('changed on a, seen on b', () => b.tocsin.groups.list()[0]?.expectedSize === 3);
    await a.tocsin.config.apply({ config: { groups: [] }, prune: true });
    await eventually('pruned on a, gone on b', () => b.tocsin.groups.list().length === 0);
  });
});
