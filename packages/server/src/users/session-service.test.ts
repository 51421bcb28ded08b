import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import * as store from './session-store.js';
import { hashSessionId, SessionService } from './session-service.js';
import { UserService } from './user-service.js';

const DAY = 86_400_000;
const [sqlite] = (await testDatabases()).filter((v) => v.name === 'sqlite');

describe('session service', () => {
  let handle: Db;
  let dispose: () => Promise<void>;
  const clock = new FakeClock();
  let sessions: SessionService;
  let ada: Awaited<ReturnType<UserService['create']>>;
  before(async () => {
    ({ handle, dispose } = await sqlite.create());
    ada = await new UserService(handle.db, clock, { N: 1024, r: 8, p: 1 }).create('ada', 'a long password', 'editor');
    sessions = new SessionService(handle.db, clock);
  });
  after(() => dispose());

  it('stores only the hash of the cookie, and resolves it to a principal with the role’s scope', async () => {
    const { cookie, session } = await sessions.create(ada, { ip: '127.0.0.1', userAgent: 'test' });
    assert.match(cookie, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.expiresAt, clock.now() + 7 * DAY);
    const row = await store.findSession(handle.db, hashSessionId(cookie));
    assert.ok(row);
    assert.equal(await store.findSession(handle.db, cookie), undefined);
    const principal = await sessions.authenticateSession(cookie);
    assert.deepEqual(
      { ...principal, csrfToken: undefined },
      { kind: 'user', userId: ada.id, name: 'ada', scope: 'write', csrfToken: undefined },
    );
    assert.equal(principal?.csrfToken, session.csrfToken);
    assert.equal(await sessions.authenticateSession('not-a-session'), undefined);
  });

  it('slides 7 days from the last use, writes last-seen at most once a minute, ends 30 days in', async () => {
    const { cookie } = await sessions.create(ada, {});
    const idHash = hashSessionId(cookie);
    const started = clock.now();
    clock.advance(30_000);
    assert.equal((await sessions.lookup(cookie))?.expiresAt, started + 7 * DAY, 'under a minute: no slide');
    clock.advance(6 * DAY);
    assert.equal((await sessions.lookup(cookie))?.expiresAt, clock.now() + 7 * DAY);
    // Not written per request: the row keeps its old expiry until the flush.
    assert.equal((await store.findSession(handle.db, idHash))?.expires_at, started + 7 * DAY);
    await sessions.flush();
    assert.equal((await store.findSession(handle.db, idHash))?.expires_at, clock.now() + 7 * DAY);
    for (let day = 7; day < 30; day += 6) {
      clock.set(started + day * DAY);
      assert.ok(await sessions.lookup(cookie), `day ${day}`);
    }
    clock.set(started + 30 * DAY - 1000);
    assert.equal((await sessions.lookup(cookie))?.expiresAt, started + 30 * DAY, 'capped at 30 days');
    clock.set(started + 30 * DAY);
    assert.equal(await sessions.lookup(cookie), undefined);
  });

  it('ends a session unused for 7 days, and prunes it', async () => {
    const { cookie } = await sessions.create(ada, {});
    clock.advance(7 * DAY);
    assert.equal(await sessions.lookup(cookie), undefined);
    await sessions.prune(clock.now());
    assert.equal(await store.findSession(handle.db, hashSessionId(cookie)), undefined);
  });

  it('ends at once on logout and for a user’s other sessions, despite the cache', async () => {
    const a = await sessions.create(ada, {});
    const b = await sessions.create(ada, {});
    const c = await sessions.create(ada, {});
    for (const s of [a, b, c]) assert.ok(await sessions.lookup(s.cookie));
    await sessions.end(a.cookie);
    assert.equal(await sessions.lookup(a.cookie), undefined);
    await sessions.endUserSessions(ada.id, b.cookie);
    assert.ok(await sessions.lookup(b.cookie));
    assert.equal(await sessions.lookup(c.cookie), undefined);
  });

  it('serves lookups from memory for a few seconds, then reads the database again', async () => {
    const { cookie } = await sessions.create(ada, {});
    assert.ok(await sessions.lookup(cookie));
    // Another node's logout: the row goes, this node's cache still has it for a moment.
    await store.deleteSession(handle.db, hashSessionId(cookie));
    assert.ok(await sessions.lookup(cookie));
    clock.advance(sessions.timings.cacheMs);
    assert.equal(await sessions.lookup(cookie), undefined);
  });
});
