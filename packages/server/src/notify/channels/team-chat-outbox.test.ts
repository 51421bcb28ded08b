/**
 * Rocket.Chat, Zulip, Matrix and Webex through the whole path a user takes: subscriptions created by the API with
 * their secrets, a test notification to each (`POST /api/topics/{t}/subscriptions/{s}/test`), the outbox sending it
 * with the secrets filled in, the API printing the secrets back redacted, and a config file naming a wrong field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../../app.js';
import { loadConfigText } from '../../config/config-loader.js';
import { FakeClock } from '../../core/clock.js';
import { HttpReceiver } from '../../test-support/http-receiver.js';
import { call, createTestApp } from '../../test-support/test-app.js';

describe('team chat channels through the API and the outbox', { timeout: 15000 }, () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  let hooks: HttpReceiver;

  before(async () => {
    hooks = await new HttpReceiver().start();
    ({ tocsin, dispose } = await createTestApp('sqlite', { clock: new FakeClock(Date.UTC(2026, 0, 1, 12)) }));
    const created = await call(tocsin, 'POST', '/api/topics', {
      name: 'ops',
      subscriptions: [
        { protocol: 'rocketchat', endpoint: `${hooks.url}/hooks/id/rc-token` },
        { protocol: 'zulip', site: hooks.url, email: 'bot@example.com', apiKey: 'zulip-key', stream: 'ops' },
        { protocol: 'matrix', homeserver: hooks.url, roomId: '!room:example.org', accessToken: 'matrix-token' },
        { protocol: 'webex', token: 'webex-token', roomId: 'room-1', endpoint: `${hooks.url}/v1/messages` },
      ],
    });
    assert.equal(created.status, 201, created.text);
  });
  after(async () => {
    await dispose?.();
    await hooks?.stop();
  });

  it('sends a test notification to each, with its credentials', async () => {
    for (const name of ['rocketchat', 'zulip', 'matrix', 'webex']) {
      const res = await call(tocsin, 'POST', `/api/topics/ops/subscriptions/${name}/test`);
      assert.equal(res.status, 202, `${name}: ${res.text}`);
    }
    await tocsin.outbox.runOnce();
    const byPath = new Map(hooks.requests.map((r) => [r.path.split('/send/')[0], r]));
    assert.equal(hooks.requests.length, 4);
    assert.match(byPath.get('/hooks/id/rc-token')?.json().text ?? '', /Test notification to ops\/rocketchat/);
    const zulip = byPath.get('/api/v1/messages');
    assert.equal(zulip?.headers.authorization, `Basic ${Buffer.from('bot@example.com:zulip-key').toString('base64')}`);
    assert.equal(new URLSearchParams(zulip?.body).get('topic'), 'manual/subscription-test');
    const matrix = byPath.get('/_matrix/client/v3/rooms/!room%3Aexample.org');
    assert.equal(matrix?.method, 'PUT');
    assert.equal(matrix?.headers.authorization, 'Bearer matrix-token');
    const webex = byPath.get('/v1/messages');
    assert.equal(webex?.headers.authorization, 'Bearer webex-token');
    assert.equal(webex?.json().roomId, 'room-1');
  });

  it('prints the secrets back redacted', async () => {
    const topic = await call(tocsin, 'GET', '/api/topics/ops');
    const text = JSON.stringify(topic.json);
    for (const secret of ['rc-token', 'zulip-key', 'matrix-token', 'webex-token']) assert.ok(!text.includes(secret));
    assert.ok(text.includes('bot@example.com'), 'the public fields are there');
  });

  it('names a wrong field of each in a config file, at its line', () => {
    const text = [
      'version: 1',
      'topics:',
      '  - name: ops',
      '    subscriptions:',
      '      - protocol: rocketchat',
      '        endpoint: https://chat.example.com/hooks/a/b',
      '        emoji: siren',
      '      - protocol: zulip',
      '        site: https://x.zulipchat.com',
      '        email: bot@x.com',
      '        apiKey: k',
      '        steam: ops',
      '      - protocol: matrix',
      '        homeserver: https://matrix.org',
      "        roomId: '#ops:matrix.org'",
      '        accessToken: t',
      '      - protocol: webex',
      '        token: t',
      '        toPersonEmail: nobody',
      '',
    ].join('\n');
    const loaded = loadConfigText(text, 'tocsin.yaml', {});
    assert.equal(loaded.ok, false);
    const found = loaded.ok ? [] : loaded.issues.map((i) => `${i.line} ${i.path}`);
    for (const expected of [
      '7 topics.0.subscriptions.0.emoji',
      '12 topics.0.subscriptions.1.steam',
      '15 topics.0.subscriptions.2.roomId',
      '19 topics.0.subscriptions.3.toPersonEmail',
    ])
      assert.ok(found.includes(expected), `${expected} in ${found.join(', ')}`);
  });
});
