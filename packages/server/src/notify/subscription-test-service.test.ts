import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { FakeClock } from '../core/clock.js';
import { HttpReceiver } from '../test-support/http-receiver.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

const T0 = Date.UTC(2026, 0, 1, 12);

for (const variant of await testDatabases()) {
  describe(`a test notification to one subscription on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    let hooks: HttpReceiver;

    before(async () => {
      hooks = await new HttpReceiver().start();
      ({ tocsin, dispose } = await createTestApp(variant.name, { clock: new FakeClock(T0) }));
      const created = await call(tocsin, 'POST', '/api/topics', {
        name: 'ops',
        subscriptions: [
          // A filter that a test event does not match, and a grouping window: neither applies to a test.
          {
            protocol: 'webhook',
            name: 'pager',
            endpoint: `${hooks.url}/pager`,
            filter: { severities: ['critical'] },
            groupWindowSeconds: 300,
          },
          { protocol: 'webhook', name: 'other', endpoint: `${hooks.url}/other` },
          { protocol: 'email', name: 'mail', endpoint: 'oncall@example.com' },
        ],
      });
      assert.equal(created.status, 201, created.text);
    });
    after(async () => {
      await dispose?.();
      await hooks?.stop();
    });

    const deliveries = async () =>
      (await call(tocsin, 'GET', '/api/deliveries?topic=ops&limit=100')).json.deliveries as {
        id: string;
        subscription: string;
        purpose: string;
        status: string;
      }[];

    it('queues one delivery to that subscription alone, through the outbox, now', async () => {
      const before = (await deliveries()).length;
      const res = await call(tocsin, 'POST', '/api/topics/ops/subscriptions/pager/test');
      assert.equal(res.status, 202, res.text);
      assert.equal(res.json.event.kind, 'test');
      assert.equal(res.json.event.topic, 'ops');
      const after = await deliveries();
      assert.equal(after.length, before + 1);
      const d = after.find((x) => x.id === res.json.delivery.id);
      assert.deepEqual(
        { subscription: d?.subscription, purpose: d?.purpose, status: d?.status },
        { subscription: 'pager', purpose: 'event', status: 'pending' },
      );
      await tocsin.outbox.runOnce();
      assert.deepEqual(
        hooks.requests.map((r) => r.path),
        ['/pager'],
        'sent at once, to that subscription only',
      );
      assert.equal(hooks.requests[0].json().event.kind, 'test');
      const read = await call(tocsin, 'GET', `/api/deliveries/${res.json.delivery.id}`);
      assert.equal(read.json.status, 'delivered');
    });

    it('refuses a subscription that is not confirmed, and names an unknown one', async () => {
      const pending = await call(tocsin, 'POST', '/api/topics/ops/subscriptions/mail/test');
      assert.equal(pending.status, 409);
      assert.match(pending.json.error.message, /'ops\/mail' is pending; only a confirmed subscription/);
      const unknownSub = await call(tocsin, 'POST', '/api/topics/ops/subscriptions/nope/test');
      assert.equal(unknownSub.status, 404);
      assert.match(unknownSub.json.error.message, /ops\/nope/);
      const unknownTopic = await call(tocsin, 'POST', '/api/topics/nope/subscriptions/pager/test');
      assert.equal(unknownTopic.status, 404);
      const reader = await call(tocsin, 'POST', '/api/tokens', { name: 'reader', scope: 'read' });
      const refused = await call(
        tocsin,
        'POST',
        '/api/topics/ops/subscriptions/pager/test',
        undefined,
        reader.json.token,
      );
      assert.equal(refused.status, 403);
    });

    it('is in the OpenAPI document', async () => {
      const doc = (await call(tocsin, 'GET', '/api/openapi.json', undefined, null)).json;
      assert.ok(
        doc.paths['/api/topics/{name}/subscriptions/{subscription}/test']?.post,
        Object.keys(doc.paths).join(' '),
      );
    });
  });
}
