import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword } from './password-hash.js';

describe('password hashes', () => {
  it('stores scrypt$N$r$p$salt$hash with the default parameters and verifies it', async () => {
    const stored = await hashPassword('correct horse battery');
    const parts = stored.split('$');
    assert.deepEqual(parts.slice(0, 4), ['scrypt', String(2 ** 15), '8', '1']);
    assert.equal(Buffer.from(parts[4], 'base64url').length, 16);
    assert.equal(Buffer.from(parts[5], 'base64url').length, 64);
    assert.equal(await verifyPassword('correct horse battery', stored), true);
    assert.equal(await verifyPassword('correct horse batterz', stored), false);
    assert.equal(needsRehash(stored), false);
  });

  it('salts each hash, and verifies hashes made with other parameters', async () => {
    const weak = { N: 1024, r: 8, p: 1 };
    const a = await hashPassword('same password', weak);
    const b = await hashPassword('same password', weak);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('same password', a), true);
    assert.equal(needsRehash(a, DEFAULT_SCRYPT), true);
  });

  it('refuses broken or hostile hashes without throwing', async () => {
    for (const stored of [
      '',
      'bcrypt$x',
      'scrypt$1024$8$1$c2FsdA',
      'scrypt$1000$8$1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAA',
      `scrypt$${2 ** 24}$8$1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAA`,
      'scrypt$1024$8$1$c2FsdA$AA',
    ])
      assert.equal(await verifyPassword('whatever', stored), false, stored);
  });
});
