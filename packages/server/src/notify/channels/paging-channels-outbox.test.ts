import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../../app.js';
import { FakeClock } from '../../core/clock.js';
import { type RecordedRequest, TestReceiver } from '../../test-support/scripted-receiver.js';
import { call, createTestApp } from '../../test-support/test-app.js';

const secrets = ['og-secret-key', 'vo-secret-key', 'vo-routing', 'sc-secret-key', 'oncall-token'];

describe('paging channels through the outbox', { timeout: 30_000 }, () => {
  let receiver: TestReceiver;
  let clock: FakeClock;
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;

  before(async () => {
    receiver = await TestReceiver.start({ status: 202, body: JSON.stringify({ result: 'success' }) });
    clock = new FakeClock(Date.UTC(2026, 5, 1, 12));
    ({ tocsin, dispose } = await createTestApp('sqlite', { clock }));
  });
  after(async () => {
    await dispose();
    await receiver.close();
  });

  async function drain(count: number): Promise<void> {
    // Squadcast's default budget is one every 4 s: the fake clock moves past it.
    for (let i = 0; i < 40 && receiver.requests.length < count; i++) {
      await tocsin.outbox.runOnce();
      clock.advance(5000);
    }
    assert.equal(receiver.requests.length, count);
  }

  const byVendor = (requests: RecordedRequest[], prefix: string) => requests.filter((r) => r.path.startsWith(prefix));

  it('opens each vendor’s incident on a problem and resolves it by the same key; secrets stay hidden', async () => {
    const res = await call(tocsin, 'PUT', '/api/topics/pager', {
      name: 'pager',
      subscriptions: [
        { protocol: 'opsgenie', apiKey: 'og-secret-key', endpoint: `${receiver.url}/og` },
        {
          protocol: 'victorops',
          apiKey: 'vo-secret-key',
          routingKey: 'vo-routing',
          endpoint: `${receiver.url}/vo/alert`,
        },
        { protocol: 'squadcast', endpoint: `${receiver.url}/sc/v2/incidents/api/sc-secret-key` },
        {
          protocol: 'grafana_oncall',
          endpoint: `${receiver.url}/oncall/integrations/v1/formatted_webhook/oncall-token/`,
        },
      ],
    });
    assert.ok(res.status < 300, res.text);
    const shown = await call(tocsin, 'GET', '/api/topics/pager');
    for (const s of secrets) assert.ok(!res.text.includes(s) && !shown.text.includes(s), `${s} never in answers`);

    const event = { severity: 'critical' as const, source: { type: 'monitor', name: 'api' }, dedupKey: 'monitor:api' };
    await tocsin.publisher.publish('pager', { ...event, kind: 'monitor.down', title: 'api is down' });
    await drain(4);
    await tocsin.publisher.publish('pager', { ...event, kind: 'monitor.up', severity: 'ok', title: 'api is up' });
    await drain(8);

    const [ogOpen, ogClose] = byVendor(receiver.requests, '/og/');
    assert.equal(ogOpen.path, '/og/v2/alerts');
    assert.equal(JSON.parse(ogOpen.body).alias, 'monitor:api');
    assert.equal(ogOpen.headers.authorization, 'GenieKey og-secret-key');
    assert.equal(ogClose.path, '/og/v2/alerts/monitor%3Aapi/close?identifierType=alias');

    const vo = byVendor(receiver.requests, '/vo/').map((r) => ({ path: r.path, body: JSON.parse(r.body) }));
    assert.deepEqual(
      vo.map((r) => [r.path, r.body.message_type, r.body.entity_id]),
      [
        ['/vo/alert/vo-secret-key/vo-routing', 'CRITICAL', 'monitor:api'],
        ['/vo/alert/vo-secret-key/vo-routing', 'RECOVERY', 'monitor:api'],
      ],
    );
    const sc = byVendor(receiver.requests, '/sc/').map((r) => JSON.parse(r.body));
    assert.deepEqual(
      sc.map((b) => [b.status, b.event_id]),
      [
        ['trigger', 'monitor:api'],
        ['resolve', 'monitor:api'],
      ],
    );
    const oncall = byVendor(receiver.requests, '/oncall/').map((r) => JSON.parse(r.body));
    assert.deepEqual(
      oncall.map((b) => [b.state, b.alert_uid]),
      [
        ['alerting', 'monitor:api'],
        ['ok', 'monitor:api'],
      ],
    );
    const delivered = await tocsin.deliveries.list({ topic: 'pager', status: 'delivered' });
    assert.equal(delivered.length, 8);
  });

  it('sends a subscription test to each of them alone', async () => {
    for (const [name, prefix] of [
      ['opsgenie', '/og/'],
      ['victorops', '/vo/'],
      ['squadcast', '/sc/'],
      ['grafana_oncall', '/oncall/'],
    ]) {
      receiver.reset();
      const res = await call(tocsin, 'POST', `/api/topics/pager/subscriptions/${name}/test`);
      assert.ok(res.status < 300, `${name}: ${res.text}`);
      await drain(1);
      assert.ok(receiver.single().path.startsWith(prefix), `${name} got it`);
    }
  });
});
