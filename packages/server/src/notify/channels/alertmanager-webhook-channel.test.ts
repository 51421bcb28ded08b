import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import { z } from 'zod';
import { alertmanagerWebhookChannel, fingerprintOf } from './alertmanager-webhook-channel.js';
import type { SendRequest } from './channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);

/**
 * What a consumer of Alertmanager's webhook reads, field by field as the webhook_config doc shows the payload
 * (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config): strict, so an extra or missing field
 * or a wrong type fails.
 */
const rfc3339 = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
const kv = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string());
const consumerSchema = z
  .object({
    version: z.literal('4'),
    groupKey: z.string(),
    truncatedAlerts: z.number().int().nonnegative(),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string(),
    groupLabels: kv,
    commonLabels: kv,
    commonAnnotations: z.record(z.string(), z.string()),
    externalURL: z.string(),
    alerts: z.array(
      z
        .object({
          status: z.enum(['firing', 'resolved']),
          labels: kv,
          annotations: z.record(z.string(), z.string()),
          startsAt: rfc3339,
          endsAt: rfc3339,
          generatorURL: z.string(),
          fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
        })
        .strict(),
    ),
  })
  .strict();

function request(endpoint: string, event: Partial<TocsinEvent> = {}, spec: Record<string, unknown> = {}): SendRequest {
  return {
    deliveryId: 'd-1',
    purpose: 'event',
    attempt: 1,
    event: {
      id: 'e-1',
      topic: 'ops',
      time,
      kind: 'monitor.down',
      severity: 'critical',
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod', 'team-name': 'core' } },
      title: 'API is down',
      text: 'GET https://api.example.com/health answered 503',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'alertmanager_webhook', endpoint, maxAlerts: 0, ...spec },
    subscriptionName: 'ops-am',
    links: { unsubscribe: 'https://tocsin.example.com/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('alertmanager webhook channel', { timeout: 5000 }, () => {
  let receiver: TestReceiver;
  let hook: string;

  before(async () => {
    receiver = await TestReceiver.start();
    hook = `${receiver.url}/alerts`;
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 200, body: '' }));

  it("posts the webhook receiver's JSON, which a consumer of Alertmanager webhooks parses", async () => {
    const outcome = await alertmanagerWebhookChannel.send(request(hook));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/alerts');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.equal(req.headers.authorization, undefined);
    const body = consumerSchema.parse(JSON.parse(req.body));
    const labels = {
      env: 'prod',
      team_name: 'core',
      alertname: 'api-health',
      severity: 'critical',
      kind: 'monitor.down',
      source_type: 'monitor',
      source_name: 'api-health',
      topic: 'ops',
    };
    assert.deepEqual(body, {
      version: '4',
      groupKey: '{}/{receiver="ops-am"}:{alertname="api-health"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'ops-am',
      groupLabels: { alertname: 'api-health' },
      commonLabels: labels,
      commonAnnotations: { summary: 'API is down', description: 'GET https://api.example.com/health answered 503' },
      externalURL: 'https://tocsin.example.com',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: { summary: 'API is down', description: 'GET https://api.example.com/health answered 503' },
          startsAt: '2025-01-02T03:04:05.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://tocsin.example.com',
          fingerprint: fingerprintOf('monitor:api-health'),
        },
      ],
    });
  });

  it('sends a recovery as resolved with its endsAt, under the same fingerprint as the problem', async () => {
    await alertmanagerWebhookChannel.send(request(hook));
    await alertmanagerWebhookChannel.send(
      request(hook, { id: 'e-2', kind: 'monitor.up', severity: 'ok', title: 'API is up', text: '' }),
    );
    const [down, up] = receiver.requests.map((r) => consumerSchema.parse(JSON.parse(r.body)));
    assert.equal(up.status, 'resolved');
    assert.equal(up.alerts[0].status, 'resolved');
    assert.equal(up.alerts[0].endsAt, '2025-01-02T03:04:05.000Z');
    assert.deepEqual(up.alerts[0].annotations, { summary: 'API is up' });
    assert.equal(up.alerts[0].fingerprint, down.alerts[0].fingerprint);
    assert.notEqual(fingerprintOf('monitor:other'), down.alerts[0].fingerprint);
  });

  it('maps a group to several alerts in one message, with common labels and truncation by maxAlerts', async () => {
    const events = monitorChanges(5, time);
    await alertmanagerWebhookChannel.send(groupRequest(request(hook), events));
    await alertmanagerWebhookChannel.send(groupRequest(request(hook, {}, { maxAlerts: 2 }), events));
    const [all, cut] = receiver.requests.map((r) => consumerSchema.parse(JSON.parse(r.body)));
    assert.equal(all.alerts.length, 5);
    assert.equal(all.status, 'firing');
    assert.deepEqual(
      all.alerts.map((a) => `${a.labels.alertname} ${a.status}`),
      ['site-0 firing', 'site-1 firing', 'site-2 resolved', 'site-3 firing', 'site-4 firing'],
    );
    assert.deepEqual(all.groupLabels, {});
    assert.deepEqual(all.commonLabels, { env: 'prod', source_type: 'monitor', topic: 'ops' });
    assert.equal(all.truncatedAlerts, 0);
    assert.equal(cut.alerts.length, 2);
    assert.equal(cut.truncatedAlerts, 3);
  });

  it('keeps the latest state of an alert that changed twice within a group', async () => {
    const down = request(hook).event;
    const up = { ...down, id: 'e-2', time: time + 1000, kind: 'monitor.up', severity: 'ok' as const };
    await alertmanagerWebhookChannel.send(groupRequest(request(hook), [down, up]));
    const body = consumerSchema.parse(JSON.parse(receiver.single().body));
    assert.equal(body.alerts.length, 1);
    assert.equal(body.alerts[0].status, 'resolved');
    assert.equal(body.status, 'resolved');
  });

  it('sends basic or bearer auth', async () => {
    await alertmanagerWebhookChannel.send(request(hook, {}, { username: 'am', password: 'pw' }));
    await alertmanagerWebhookChannel.send(request(hook, {}, { bearerToken: 'tok' }));
    assert.equal(receiver.requests[0].headers.authorization, `Basic ${Buffer.from('am:pw').toString('base64')}`);
    assert.equal(receiver.requests[1].headers.authorization, 'Bearer tok');
  });

  it('dead-letters refused credentials and a refused payload; retries 429 after Retry-After and 5xx', async () => {
    receiver.answer(
      { status: 401, body: 'unauthorized' },
      { status: 400, body: 'bad json' },
      { status: 429, headers: { 'retry-after': '4' } },
      { status: 502 },
    );
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await alertmanagerWebhookChannel.send(request(hook)));
    assert.deepEqual(
      outcomes.map((o) => !o.ok && [o.retryable, o.status, o.retryAfterMs]),
      [
        [false, 401, undefined],
        [false, 400, undefined],
        [true, 429, 4000],
        [true, 502, undefined],
      ],
    );
    assert.equal(
      !outcomes[0].ok && outcomes[0].error,
      'the receiver answered 401 (the receiver refused the credentials: check them): unauthorized',
    );
    const down = await alertmanagerWebhookChannel.send(request(`${await refusedUrl()}/alerts`));
    assert.deepEqual(down, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('refuses a wrong field and mixed auth, naming them', () => {
    const wrong = subscriptionInputSchema.safeParse({ protocol: 'alertmanager_webhook', endpoint: 'http://x', max: 1 });
    assert.equal(wrong.success, false);
    assert.match(String(wrong.error?.issues[0].message), /max/);
    const mixed = subscriptionInputSchema.safeParse({
      protocol: 'alertmanager_webhook',
      endpoint: 'http://x',
      bearerToken: 't',
      username: 'u',
      password: 'p',
    });
    assert.deepEqual(mixed.error?.issues[0].path, ['bearerToken']);
    const negative = subscriptionInputSchema.safeParse({
      protocol: 'alertmanager_webhook',
      endpoint: 'http://x',
      maxAlerts: -1,
    });
    assert.deepEqual(negative.error?.issues[0].path, ['maxAlerts']);
  });
});
