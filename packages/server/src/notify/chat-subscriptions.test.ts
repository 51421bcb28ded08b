import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDACTED } from '@tocsin/protocol';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { TestReceiver } from '../test-support/scripted-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const token = '123456:AAsecret';

for (const variant of await testDatabases()) {
  describe(`chat subscriptions through the API on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let receiver: TestReceiver;

    before(async () => {
      receiver = await TestReceiver.start({ status: 200, body: '{"ok":true}' });
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock(T0) }));
      const url = receiver.url;
      const created = await call(tocsin, 'POST', '/api/topics', {
        name: 'ops',
        subscriptions: [
          { protocol: 'teams', name: 'teams', endpoint: `${url}/teams?sig=s1` },
          { protocol: 'discord', name: 'discord', endpoint: `${url}/discord/1/tok`, username: 'Tocsin' },
          { protocol: 'telegram', name: 'telegram', botToken: token, chatId: '-100123', endpoint: url },
          { protocol: 'google_chat', name: 'gchat', endpoint: `${url}/v1/spaces/A/messages?key=k&token=t` },
          { protocol: 'mattermost', name: 'mm', endpoint: `${url}/hooks/k3y`, channel: 'alerts' },
        ],
      });
      assert.equal(created.status, 201, created.text);
    });
    after(async () => {
      await dispose?.();
      await receiver?.close();
    });

    it('prints the secrets back redacted and the other fields as they are', async () => {
      const res = await call(tocsin, 'GET', '/api/topics/ops');
      assert.equal(res.status, 200, res.text);
      const subs = Object.fromEntries(
        (res.json.subscriptions as Record<string, unknown>[]).map((s) => [s.name, s] as const),
      );
      assert.equal(subs.teams.endpoint, REDACTED);
      assert.equal(subs.discord.endpoint, REDACTED);
      assert.equal(subs.discord.username, 'Tocsin');
      assert.equal(subs.telegram.botToken, REDACTED);
      assert.equal(subs.telegram.chatId, '-100123');
      assert.equal(subs.gchat.endpoint, REDACTED);
      assert.equal(subs.mm.endpoint, REDACTED);
      assert.equal(subs.mm.channel, 'alerts');
      assert.ok(!res.text.includes(token) && !res.text.includes('sig=s1'));
    });

    it('sends a test notification to each, at its own destination', async () => {
      for (const name of ['teams', 'discord', 'telegram', 'gchat', 'mm']) {
        const res = await call(tocsin, 'POST', `/api/topics/ops/subscriptions/${name}/test`);
        assert.equal(res.status, 202, `${name}: ${res.text}`);
      }
      await tocsin.outbox.runOnce();
      const paths = receiver.requests.map((r) => new URL(r.path, receiver.url).pathname).sort();
      assert.deepEqual(paths, [
        `/bot${token}/sendMessage`,
        '/discord/1/tok',
        '/hooks/k3y',
        '/teams',
        '/v1/spaces/A/messages',
      ]);
      const telegram = receiver.requests.find((r) => r.path.startsWith('/bot'));
      assert.equal(JSON.parse(telegram?.body ?? '{}').chat_id, '-100123');
    });

    it('names a wrong field of a chat subscription in the API answer', async () => {
      const res = await call(tocsin, 'POST', '/api/topics', {
        name: 'bad',
        subscriptions: [{ protocol: 'telegram', botToken: token, chatId: 'ops' }],
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.json.error.message, /subscriptions\.0\.chatId/, res.text);
    });
  });
}
