import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import * as sessions from './session-store.js';
import * as users from './user-store.js';

const t0 = Date.UTC(2026, 0, 1);

function user(id: string, name: string, role: users.UserRow['role']): users.UserRow {
  return {
    id,
    name,
    password_hash: 'scrypt$x',
    role,
    totp_secret: null,
    totp_pending: null,
    totp_last_step: null,
    created_at: t0,
    updated_at: t0,
    last_login_at: null,
  };
}

function session(idHash: string, userId: string, expiresAt: number): sessions.SessionRow {
  return {
    id_hash: idHash,
    user_id: userId,
    csrf_token: `csrf-${idHash}`,
    created_at: t0,
    expires_at: expiresAt,
    last_seen_at: t0,
    ip: '127.0.0.1',
    user_agent: 'test',
  };
}

for (const variant of await testDatabases()) {
  describe(`user and session stores (${variant.name})`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ handle, dispose } = await variant.create());
      await users.insertUser(handle.db, user('u1', 'ada', 'admin'));
      await users.insertUser(handle.db, user('u2', 'bob', 'viewer'));
    });
    after(() => dispose());

    it('finds, counts, updates and refuses a second user of one name', async () => {
      assert.equal((await users.findUserByName(handle.db, 'ada'))?.id, 'u1');
      assert.equal((await users.findUserById(handle.db, 'u2'))?.name, 'bob');
      assert.equal(await users.countUsers(handle.db), 2);
      assert.equal(await users.countUsers(handle.db, 'admin'), 1);
      assert.deepEqual(
        (await users.listUsers(handle.db)).map((u) => u.name),
        ['ada', 'bob'],
      );
      await users.updateUser(handle.db, 'u2', { role: 'editor', updated_at: t0 + 1 });
      assert.equal((await users.findUserByName(handle.db, 'bob'))?.role, 'editor');
      await assert.rejects(users.insertUser(handle.db, user('u3', 'ada', 'viewer')));
      await users.lockUsers(handle.db, t0);
      await users.lockUsers(handle.db, t0 + 1);
    });

    it('claims a TOTP step once, and only a later one after it', async () => {
      assert.equal(await users.claimTotpStep(handle.db, 'u1', 100), true);
      assert.equal(await users.claimTotpStep(handle.db, 'u1', 100), false);
      assert.equal(await users.claimTotpStep(handle.db, 'u1', 99), false);
      assert.equal(await users.claimTotpStep(handle.db, 'u1', 101), true);
      assert.equal((await users.findUserById(handle.db, 'u1'))?.totp_last_step, 101);
    });

    it('keeps sessions with their user, slides them, ends a user’s others, and prunes expired ones', async () => {
      await sessions.insertSession(handle.db, session('s1', 'u1', t0 + 1000));
      await sessions.insertSession(handle.db, session('s2', 'u1', t0 + 5000));
      await sessions.insertSession(handle.db, session('s3', 'u2', t0 + 5000));
      const s1 = await sessions.findSessionWithUser(handle.db, 's1');
      assert.equal(s1?.name, 'ada');
      assert.equal(s1?.role, 'admin');
      assert.equal(s1?.totp, false);
      assert.equal(s1?.expires_at, t0 + 1000);
      await sessions.touchSessions(handle.db, [{ idHash: 's1', lastSeenAt: t0 + 60_000, expiresAt: t0 + 9000 }]);
      // An older touch (another node's, flushed late) does not move it back.
      await sessions.touchSessions(handle.db, [{ idHash: 's1', lastSeenAt: t0 + 30_000, expiresAt: t0 + 2000 }]);
      const slid = await sessions.findSession(handle.db, 's1');
      assert.equal(slid?.last_seen_at, t0 + 60_000);
      assert.equal(slid?.expires_at, t0 + 9000);
      assert.deepEqual(await sessions.deleteUserSessions(handle.db, 'u1', 's1'), ['s2']);
      assert.ok(await sessions.findSession(handle.db, 's1'));
      assert.equal(await sessions.pruneSessions(handle.db, t0 + 5000), 1);
      assert.equal(await sessions.findSession(handle.db, 's3'), undefined);
      await sessions.deleteSession(handle.db, 's1');
      assert.equal(await sessions.findSessionWithUser(handle.db, 's1'), undefined);
    });

    it('deletes a user with their sessions', async () => {
      await sessions.insertSession(handle.db, session('s4', 'u2', t0 + 10_000));
      await sessions.deleteUserSessions(handle.db, 'u2');
      await users.deleteUser(handle.db, 'u2');
      assert.equal(await users.findUserById(handle.db, 'u2'), undefined);
      assert.equal(await sessions.findSession(handle.db, 's4'), undefined);
    });
  });
}
