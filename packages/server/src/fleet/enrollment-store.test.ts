import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { testDatabases } from '../test-support/test-databases.js';
import { agentByCredential, getAgent, listAgents, revokeAgent } from './agent-store.js';
import { EnrollmentService, sha256 } from './enrollment-service.js';
import { keyPair, listTokens, revokeToken, takeTokenUse } from './enrollment-store.js';

for (const variant of await testDatabases()) {
  describe(`enrolment on ${variant.name}`, () => {
    let handle: Db;
    let dispose: () => Promise<void>;
    const clock = new FakeClock(Date.UTC(2026, 11, 3, 10));
    let service: EnrollmentService;
    before(async () => {
      ({ handle, dispose } = await variant.create());
      service = new EnrollmentService(handle.db, clock);
      await service.load();
    });
    after(() => dispose());

    it('takes the uses of a token one by one, then refuses it', async () => {
      const t = await service.createToken({ name: 'two', uses: 2 }, 'admin');
      assert.match(t.token, /^tce_/);
      assert.equal((await takeTokenUse(handle.db, sha256(t.token), clock.now()))?.used, 1);
      assert.equal((await takeTokenUse(handle.db, sha256(t.token), clock.now()))?.used, 2);
      assert.equal(await takeTokenUse(handle.db, sha256(t.token), clock.now()), undefined);
      const listed = (await listTokens(handle.db)).find((r) => r.id === t.id)!;
      assert.equal(listed.used, 2);
      assert.equal((await service.listTokens()).find((v) => v.id === t.id)?.state, 'used');
      assert.ok(!JSON.stringify(await service.listTokens()).includes(t.token), 'no secret in the list');
    });

    it('refuses an expired token and a revoked one, saying which', async () => {
      const t = await service.createToken({ expiresIn: '1m' }, null);
      clock.advance(60_000);
      await assert.rejects(service.enroll({ token: t.token, hostname: 'h' }), /expired/);
      const r = await service.createToken({}, null);
      assert.equal(await revokeToken(handle.db, r.id, clock.now()), true);
      await assert.rejects(service.enroll({ token: r.token, hostname: 'h' }), /revoked/);
      await assert.rejects(service.enroll({ token: 'tce_nope', hostname: 'h' }), /not a valid enrolment token/);
      assert.equal(await revokeToken(handle.db, 'missing', clock.now()), false);
    });

    it('enrols an agent with the token tags over its own, its credential stored hashed', async () => {
      const t = await service.createToken({ tags: { env: 'prod' } }, null);
      const e = await service.enroll({ token: t.token, hostname: 'web-1', tags: { env: 'dev', role: 'web' } });
      assert.match(e.commandKey, /BEGIN PUBLIC KEY/);
      const row = (await getAgent(handle.db, e.agentId))!;
      assert.deepEqual(JSON.parse(row.tags), { env: 'prod', role: 'web' });
      assert.equal(row.credential_hash, sha256(e.credential));
      assert.equal((await agentByCredential(handle.db, sha256(e.credential)))?.id, e.agentId);
      assert.equal(await revokeAgent(handle.db, e.agentId, clock.now()), true);
      assert.equal(await agentByCredential(handle.db, sha256(e.credential)), undefined, 'revoked: refused');
      assert.equal(await revokeAgent(handle.db, e.agentId, clock.now()), false);
    });

    it('enrols exactly one agent with a token of one use asked for at once', async () => {
      const t = await service.createToken({ uses: 1 }, null);
      const before = (await listAgents(handle.db)).length;
      const tries = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => service.enroll({ token: t.token, hostname: `race-${i}` })),
      );
      assert.equal(tries.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal((await listAgents(handle.db)).length, before + 1);
    });

    it('keeps the first key pair made', async () => {
      const first = await keyPair(handle.db, () => ({ publicKey: 'x', privateKey: 'y' }));
      assert.equal(first.publicKey, service.commandKey());
    });
  });
}
