import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { totpCode } from './totp.js';
import { scopeOfRole, UserService, WRONG_CREDENTIALS } from './user-service.js';

const cheap = { N: 1024, r: 8, p: 1 };
const [sqlite] = (await testDatabases()).filter((v) => v.name === 'sqlite');

const code = (err: unknown) => (err instanceof TocsinError ? err.code : String(err));

describe('user service', () => {
  let handle: Db;
  let dispose: () => Promise<void>;
  const clock = new FakeClock();
  let users: UserService;
  before(async () => {
    ({ handle, dispose } = await sqlite.create());
    users = new UserService(handle.db, clock, cheap);
  });
  after(() => dispose());

  it('maps roles onto scopes', () => {
    assert.deepEqual(scopeOfRole, { admin: 'admin', editor: 'write', viewer: 'read' });
  });

  it('makes the first user only once, and checks names and passwords', async () => {
    const ada = await users.create('ada', 'correct horse battery', 'admin', true);
    assert.equal(ada.role, 'admin');
    assert.equal(ada.totp, false);
    await assert.rejects(users.create('eve', 'correct horse battery', 'admin', true), (e) => code(e) === 'conflict');
    await assert.rejects(users.create('ada', 'correct horse battery', 'viewer'), /already exists/);
    await assert.rejects(users.create('bad/name', 'correct horse battery', 'viewer'), /^Error: name:|name:/);
    await assert.rejects(users.create('short', 'too short', 'viewer'), /password: use at least 10 characters/);
    await assert.rejects(users.create('long', 'x'.repeat(257), 'viewer'), /password: use at most 256/);
  });

  it('verifies sign-ins without telling a wrong name from a wrong password', async () => {
    const ok = await users.verifyLogin('ada', 'correct horse battery');
    assert.equal(ok.lastLoginAt, new Date(clock.now()).toISOString());
    await assert.rejects(users.verifyLogin('ada', 'wrong password!'), new RegExp(WRONG_CREDENTIALS));
    await assert.rejects(users.verifyLogin('nobody', 'wrong password!'), new RegExp(WRONG_CREDENTIALS));
  });

  it('never deletes or demotes the last admin', async () => {
    await users.create('bob', 'bob password 1', 'editor');
    await assert.rejects(users.update('ada', { role: 'editor' }), /last admin/);
    await assert.rejects(users.delete('ada'), /last admin/);
    await users.update('bob', { role: 'admin' });
    await users.update('ada', { role: 'viewer' });
    await assert.rejects(users.delete('bob'), /last admin/);
    await users.update('ada', { role: 'admin' });
    assert.equal((await users.delete('bob')).name, 'bob');
    await assert.rejects(users.get('bob'), (e) => code(e) === 'not_found');
  });

  it('changes a password only with the current one', async () => {
    const ada = await users.get('ada');
    await assert.rejects(users.changePassword(ada.id, 'not it at all', 'a new password'), /current: is not your/);
    await users.changePassword(ada.id, 'correct horse battery', 'a new password');
    await users.verifyLogin('ada', 'a new password');
    await assert.rejects(users.verifyLogin('ada', 'correct horse battery'), /wrong/);
  });

  it('enrolls TOTP once confirmed, asks for a code at sign-in, refuses a code used twice, and removes it', async () => {
    const ada = await users.get('ada');
    const { secret, otpauthUrl } = await users.enrollTotp(ada.id);
    assert.match(otpauthUrl, /^otpauth:\/\/totp\/Tocsin:ada\?secret=/);
    // Pending: sign-in still needs no code.
    await users.verifyLogin('ada', 'a new password');
    await assert.rejects(users.confirmTotp(ada.id, '000000'), (e) => code(e) === 'validation_failed');
    assert.equal((await users.confirmTotp(ada.id, totpCode(secret, clock.now()))).totp, true);
    const missing = await users.verifyLogin('ada', 'a new password').catch((e) => e);
    assert.equal(missing.code, 'unauthorized');
    assert.deepEqual(missing.details, { totpRequired: true });
    // The code that confirmed is used: the same step is refused; the next one works.
    await assert.rejects(users.verifyLogin('ada', 'a new password', totpCode(secret, clock.now())), /already used/);
    clock.advance(30_000);
    await users.verifyLogin('ada', 'a new password', totpCode(secret, clock.now()));
    await assert.rejects(users.verifyLogin('ada', 'a new password', totpCode(secret, clock.now())), /already used/);
    clock.advance(30_000);
    assert.equal((await users.disableTotp(ada.id, totpCode(secret, clock.now()))).totp, false);
    await users.verifyLogin('ada', 'a new password');
  });
});
