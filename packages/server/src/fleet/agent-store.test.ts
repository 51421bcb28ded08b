import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import * as store from './agent-store.js';
import { insertToken, listTokens, pruneTokens } from './enrollment-store.js';

const T = Date.UTC(2026, 11, 3, 10);

function agentRow(id: string, over: Partial<store.AgentRow> = {}): store.AgentRow {
  return {
    id,
    hostname: id,
    tags: '{}',
    version: '',
    platform: '',
    credential_hash: `hash-${id}`,
    enrollment_token_id: null,
    enrolled_at: T,
    revoked_at: null,
    last_seen_at: null,
    state: 'offline',
    offline_since: null,
    node: null,
    connection_id: null,
    commands_enabled: 0,
    commands_allow: '[]',
    probes_enabled: 0,
    metrics: null,
    self_check: null,
    ...over,
  };
}

const hello = {
  hostname: 'h-1',
  version: '1.0',
  platform: 'linux-x64',
  tags: { role: 'web' },
  commandsEnabled: true,
  commandsAllow: ['systemctl '],
  probesEnabled: false,
};

for (const variant of await testDatabases()) {
  describe(`agent store on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => ({ handle, dispose } = await variant.create()));
    after(() => dispose());

    it('turns an agent online once per outage (a compare-and-set), and offline only when still silent', async () => {
      const db = handle.db;
      await store.insertAgent(db, agentRow('a1'));
      const first = await store.saveHello(db, 'a1', hello, { node: 'n1', connectionId: 'c1', now: T });
      assert.deepEqual(first, { cameOnline: true, lastSeenAt: null, offlineSince: null });
      const again = await store.saveHello(db, 'a1', hello, { node: 'n1', connectionId: 'c2', now: T + 1 });
      assert.deepEqual(again, { cameOnline: false }, 'a reconnection while online is no transition');
      const row = (await store.getAgent(db, 'a1'))!;
      assert.deepEqual(
        [row.state, row.node, row.connection_id, row.commands_enabled, row.commands_allow, row.tags],
        ['online', 'n1', 'c2', 1, '["systemctl "]', '{"role":"web"}'],
      );
      await store.touchAgents(db, ['a1'], T + 30_000);
      assert.equal(await store.markOffline(db, 'a1', T + 30_000, T + 300_000), false, 'heard from at the cutoff');
      assert.deepEqual(
        (await store.silentAgents(db, T + 30_001)).map((r) => r.id),
        ['a1'],
      );
      assert.equal(await store.markOffline(db, 'a1', T + 30_001, T + 300_000), true);
      assert.equal(await store.markOffline(db, 'a1', T + 30_001, T + 300_000), false, 'once');
      const off = (await store.getAgent(db, 'a1'))!;
      assert.deepEqual([off.state, off.offline_since, off.node], ['offline', T + 300_000, null]);
      const back = await store.saveHello(db, 'a1', hello, { node: 'n2', connectionId: 'c3', now: T + 400_000 });
      assert.deepEqual(back, { cameOnline: true, lastSeenAt: T + 30_000, offlineSince: T + 300_000 });
    });

    it('keeps the connection of a newer hello when an older one ends', async () => {
      await store.clearConnection(handle.db, 'a1', 'c2');
      assert.equal((await store.getAgent(handle.db, 'a1'))!.connection_id, 'c3');
      await store.clearConnection(handle.db, 'a1', 'c3');
      const row = (await store.getAgent(handle.db, 'a1'))!;
      assert.deepEqual([row.connection_id, row.node], [null, null]);
    });

    it('refuses a hello, tags and a second revocation of a revoked agent', async () => {
      await store.insertAgent(handle.db, agentRow('a2'));
      assert.equal(await store.revokeAgent(handle.db, 'a2', T), true);
      assert.equal(await store.revokeAgent(handle.db, 'a2', T), false);
      assert.equal(await store.saveHello(handle.db, 'a2', hello, { node: 'n', connectionId: 'c', now: T }), undefined);
      assert.equal(await store.setTags(handle.db, 'a2', { a: 'b' }), false);
      assert.equal(await store.agentByCredential(handle.db, 'hash-a2'), undefined);
      assert.deepEqual(
        (await store.listAgents(handle.db)).map((r) => r.id),
        ['a1'],
      );
    });

    it('keeps one position per agent and source, replaced by the next file', async () => {
      const row = (file: string, to: number) => ({
        agent_id: 'a1',
        source: 'nginx',
        file,
        to_offset: to,
        updated_at: T,
      });
      await store.savePosition(handle.db, row('1:2', 100));
      await store.savePosition(handle.db, row('1:2', 250));
      await store.savePosition(handle.db, { ...row('1:2', 9), source: 'app' });
      assert.equal((await store.positionOf(handle.db, 'a1', 'nginx'))?.to_offset, 250);
      await store.savePosition(handle.db, row('1:3', 10));
      const all = await store.positionsOf(handle.db, 'a1');
      assert.deepEqual(all.map((p) => [p.source, p.file, p.to_offset]).sort(), [
        ['app', '1:2', 9],
        ['nginx', '1:3', 10],
      ]);
    });

    it('prunes enrolment tokens expired or revoked before the cutoff', async () => {
      const token = (id: string, expires: number, revoked: number | null) => ({
        id,
        name: id,
        token_hash: `h-${id}`,
        tags: '{}',
        uses: 1,
        used: 0,
        expires_at: expires,
        created_at: T,
        created_by: null,
        revoked_at: revoked,
      });
      await insertToken(handle.db, token('old', T, null));
      await insertToken(handle.db, token('revoked', T + 10 * 86_400_000, T));
      await insertToken(handle.db, token('live', T + 10 * 86_400_000, null));
      await pruneTokens(handle.db, T + 1);
      assert.deepEqual(
        (await listTokens(handle.db)).map((t) => t.id),
        ['live'],
      );
    });
  });
}
