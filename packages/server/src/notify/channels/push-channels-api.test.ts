import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../../app.js';
import { FakeClock } from '../../core/clock.js';
import { HttpReceiver } from '../../test-support/http-receiver.js';
import { call, createTestApp } from '../../test-support/test-app.js';
import { testDatabases } from '../../test-support/test-databases.js';

const T0 = Date.UTC(2026, 0, 1, 12);

for (const variant of await testDatabases()) {
  describe(`the push channels through the API on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let hooks: HttpReceiver;

    before(async () => {
      hooks = await new HttpReceiver().start();
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock(T0) }));
      const created = await call(tocsin, 'POST', '/api/topics', {
        name: 'phones',
        subscriptions: [
          { protocol: 'ntfy', server: hooks.url, topic: 'ops-alerts', accessToken: 'tk_secret' },
          { protocol: 'gotify', server: `${hooks.url}/gotify`, token: 'gotify-app-token' },
        ],
      });
      assert.equal(created.status, 201, created.text);
    });
    after(async () => {
      await dispose?.();
      await hooks?.stop();
    });

    it('prints the secrets back redacted', async () => {
      const read = await call(tocsin, 'GET', '/api/topics/phones');
      assert.equal(read.status, 200, read.text);
      const text = JSON.stringify(read.json);
      assert.ok(!text.includes('tk_secret') && !text.includes('gotify-app-token'), text);
      const subs = read.json.subscriptions as { name: string; accessToken?: string; token?: string }[];
      assert.equal(subs.find((s) => s.name === 'ntfy')?.accessToken, '<redacted>');
      assert.equal(subs.find((s) => s.name === 'gotify')?.token, '<redacted>');
    });

    it('sends a subscription test through the outbox with the stored secret', async () => {
      for (const name of ['ntfy', 'gotify']) {
        const res = await call(tocsin, 'POST', `/api/topics/phones/subscriptions/${name}/test`);
        assert.equal(res.status, 202, res.text);
      }
      await tocsin.outbox.runOnce();
      const ntfy = hooks.requests.find((r) => r.path === '/');
      const gotify = hooks.requests.find((r) => r.path === '/gotify/message');
      assert.equal(ntfy?.headers.authorization, 'Bearer tk_secret');
      assert.equal(ntfy?.json().topic, 'ops-alerts');
      assert.equal(gotify?.headers['x-gotify-key'], 'gotify-app-token');
    });

    it('answers a wrong field with a 400 that names it', async () => {
      const res = await call(tocsin, 'POST', '/api/topics', {
        name: 'sms',
        subscriptions: [
          { protocol: 'twilio_sms', accountSid: 'AC1', authToken: 't', from: '+14155550100', to: ['+14155550101'] },
        ],
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.text, /subscriptions\.0\.accountSid/);
    });
  });
}
