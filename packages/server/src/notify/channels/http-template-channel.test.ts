import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { subscriptionInputSchema, type TocsinEvent } from '@tocsin/protocol';
import type { Tocsin } from '../../app.js';
import { loadConfigText } from '../../config/config-loader.js';
import { planOffline } from '../../cli/validate-offline.js';
import type { SendRequest } from './channel.js';
import { httpTemplateChannel, httpTemplateIssues } from './http-template-channel.js';
import { groupRequest, monitorChanges } from '../../test-support/group-fixture.js';
import { refusedUrl, TestReceiver } from '../../test-support/scripted-receiver.js';
import { createTestApp, TEST_ADMIN_TOKEN } from '../../test-support/test-app.js';

const time = Date.UTC(2025, 0, 2, 3, 4, 5);

const jsonBody = `{
  "title": {{ event.title | json }},
  "severity": {{ event.severity | json }},
  "source": {{ event.source.name | json }},
  "resolved": {{ resolved }},
  "status": {{ event.attributes.status }},
  "at": {{ event.time | json }},
  "count": {{ group | size }},
  "subscription": {{ subscription.name | json }}
}`;

function request(spec: Record<string, unknown>, event: Partial<TocsinEvent> = {}): SendRequest {
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
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      title: 'API is "down"',
      text: 'GET https://api.example.com/health answered 503\nService Unavailable',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec: { protocol: 'http_template', method: 'POST', contentType: 'application/json', ...spec },
    subscriptionName: 'ops-tickets',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

describe('templated webhook channel', { timeout: 10_000 }, () => {
  let receiver: TestReceiver;

  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(() => receiver.reset({ status: 200, body: 'ok' }));

  it('renders the URL, headers and a JSON body with values escaped by the json filter', async () => {
    const spec = {
      url: `${receiver.url}/hooks/{{ event.source.name }}?sev={{ event.severity | url_encode }}`,
      headers: { Authorization: 'Token {{ subscription.name }}', 'X-Kind': '{{ event.kind }}' },
      body: jsonBody,
    };
    const outcome = await httpTemplateChannel.send(request(spec));
    assert.deepEqual(outcome, { ok: true, status: 200 });
    const req = receiver.single();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/api-health?sev=critical');
    assert.equal(req.headers.authorization, 'Token ops-tickets');
    assert.equal(req.headers['x-kind'], 'monitor.down');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req.body), {
      title: 'API is "down"',
      severity: 'critical',
      source: 'api-health',
      resolved: false,
      status: 503,
      at: '2025-01-02T03:04:05.000Z',
      count: 1,
      subscription: 'ops-tickets',
    });
  });

  it('says resolved for a recovery and lists the events of a group, oldest first', async () => {
    const spec = {
      url: `${receiver.url}/x`,
      body: '{{ resolved }}|{% for e in group %}{{ e.source.name }},{% endfor %}',
    };
    await httpTemplateChannel.send(request(spec, { kind: 'monitor.up', severity: 'ok' }));
    assert.equal(receiver.requests[0].body, 'true|api-health,');
    await httpTemplateChannel.send(groupRequest(request(spec), monitorChanges(3, time)));
    assert.equal(receiver.requests[1].body, 'false|site-0,site-1,site-2,');
  });

  it('sends the method asked, and a GET or DELETE without a body has no content type', async () => {
    await httpTemplateChannel.send(request({ method: 'PUT', url: `${receiver.url}/put`, body: 'x' }));
    await httpTemplateChannel.send(
      request({ method: 'GET', url: `${receiver.url}/get?t={{ event.title | url_encode }}` }),
    );
    await httpTemplateChannel.send(
      request({ method: 'DELETE', url: `${receiver.url}/incidents/{{ event.dedupKey }}` }),
    );
    assert.deepEqual(
      receiver.requests.map((r) => `${r.method} ${r.path} ${r.body}`),
      ['PUT /put x', 'GET /get?t=API+is+%22down%22 ', 'DELETE /incidents/monitor:api-health '],
    );
    assert.equal(receiver.requests[1].headers['content-type'], undefined);
  });

  it('dead-letters a render error, a non-http URL and a header with a line break, with the reason', async () => {
    const cases = [
      { url: `${receiver.url}/{% include 'etc/passwd' %}` },
      { url: '{% if true %}file:///etc/{{ event.kind }}{% endif %}' },
      { url: `${receiver.url}/x`, headers: { 'X-Text': '{{ event.text }}' } },
      {
        url: `${receiver.url}/x`,
        body: '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}',
      },
    ];
    const errors = [];
    for (const spec of cases) {
      const outcome = await httpTemplateChannel.send(request(spec));
      assert.equal(outcome.ok, false);
      if (!outcome.ok) {
        assert.equal(outcome.retryable, false);
        errors.push(outcome.error);
      }
    }
    assert.match(errors[0], /^the url template failed: .*Failed to lookup "etc\/passwd"/);
    assert.equal(errors[1], "the url template failed: rendered 'file:///etc/monitor.down', not an http(s) URL");
    assert.equal(errors[2], 'the headers.X-Text template failed: rendered a line break');
    assert.match(errors[3], /^the body template failed: memory alloc limit exceeded/);
    assert.equal(receiver.requests.length, 0, 'nothing sent');
  });

  it('retries 429 with Retry-After and 503, dead-letters 401 and 400', async () => {
    receiver.answer(
      { status: 429, headers: { 'retry-after': '3' }, body: 'slow down' },
      { status: 503 },
      { status: 401, body: 'bad token' },
      { status: 400, body: 'bad payload' },
    );
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await httpTemplateChannel.send(request({ url: `${receiver.url}/x` })));
    assert.deepEqual(
      outcomes.map((o) => !o.ok && [o.retryable, o.status, o.retryAfterMs]),
      [
        [true, 429, 3000],
        [true, 503, undefined],
        [false, 401, undefined],
        [false, 400, undefined],
      ],
    );
    assert.equal(!outcomes[3].ok && outcomes[3].error, 'status 400: bad payload');
    const down = await httpTemplateChannel.send(request({ url: `${await refusedUrl()}/x` }));
    assert.deepEqual(down, { ok: false, retryable: true, error: 'connection refused' });
  });

  it('names the field, line and column of a template that does not parse', () => {
    assert.deepEqual(
      httpTemplateIssues({ url: 'http://x/{{ event.kind }}', body: '{\n  "a": {{ event.title | nope }}\n}' }),
      [{ path: 'body', message: 'the template does not parse: undefined filter: nope, line:2, col:8' }],
    );
    assert.deepEqual(
      httpTemplateIssues({ url: 'http://x/{% if %}', headers: { A: '{{' } }).map((i) => i.path),
      ['url', 'headers.A'],
    );
  });

  it('refuses a wrong field and a GET with a body through the schema, naming them', () => {
    const wrong = subscriptionInputSchema.safeParse({ protocol: 'http_template', url: 'http://x', bodyy: 'x' });
    assert.equal(wrong.success, false);
    assert.deepEqual(wrong.error?.issues[0].path, []);
    assert.match(String(wrong.error?.issues[0].message), /bodyy/);
    const get = subscriptionInputSchema.safeParse({
      protocol: 'http_template',
      method: 'GET',
      url: 'http://x',
      body: 'x',
    });
    assert.deepEqual(get.error?.issues[0].path, ['body']);
  });
});

describe('templated webhook: saving and previewing', { timeout: 20_000 }, () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite'));
  });
  after(() => dispose());

  const post = async (path: string, body: unknown, token = TEST_ADMIN_TOKEN) => {
    const res = await tocsin.http.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  it('refuses to save a subscription whose template does not parse, naming the field and line', async () => {
    assert.equal((await post('/api/topics', { name: 'ops' })).status, 201);
    const bad = await post('/api/topics/ops/subscriptions', {
      protocol: 'http_template',
      url: 'http://127.0.0.1:9/x',
      body: 'line one\n{{ event.title | nope }}',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.error.details.issues, [
      { path: 'body', message: 'the template does not parse: undefined filter: nope, line:2, col:1' },
    ]);
    const inTopic = await post('/api/topics', {
      name: 'ops2',
      subscriptions: [{ protocol: 'http_template', url: 'http://127.0.0.1:9/{% if %}' }],
    });
    assert.equal(inTopic.status, 400);
    assert.equal(inTopic.json.error.details.issues[0].path, 'subscriptions.0.url');
  });

  it('previews the request for a sample monitor.down, secrets redacted, without sending', async () => {
    const res = await post('/api/channels/http_template/preview', {
      subscription: {
        protocol: 'http_template',
        name: 'tickets',
        method: 'PUT',
        url: 'http://127.0.0.1:9/t/{{ event.source.name }}',
        headers: { Authorization: 'Bearer s3cret' },
        body: '{"t": {{ event.title | json }}, "k": "{{ event.kind }}", "s": "{{ subscription.name }}"}',
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.method, 'PUT');
    assert.equal(res.json.url, 'http://127.0.0.1:9/t/api-health');
    assert.deepEqual(res.json.headers, { 'content-type': 'application/json', authorization: '<redacted>' });
    assert.deepEqual(JSON.parse(res.json.body), { t: 'api-health is down', k: 'monitor.down', s: 'tickets' });
    assert.equal(res.json.event.kind, 'monitor.down');
  });

  it('previews a given event, and answers 400 at the field for a render error or a bad field', async () => {
    const given = await post('/api/channels/http_template/preview', {
      subscription: { protocol: 'http_template', url: 'http://h/{{ event.kind }}', body: '{{ event.attributes.n }}' },
      event: { kind: 'disk.full', title: 'Disk full', attributes: { n: 97 } },
    });
    assert.equal(given.status, 200, JSON.stringify(given.json));
    assert.equal(given.json.url, 'http://h/disk.full');
    assert.equal(given.json.body, '97');
    const failing = await post('/api/channels/http_template/preview', {
      subscription: { protocol: 'http_template', url: 'http://h/{% render "x" %}' },
    });
    assert.equal(failing.status, 400);
    assert.equal(failing.json.error.details.issues[0].path, 'subscription.url');
    const wrong = await post('/api/channels/http_template/preview', {
      subscription: { protocol: 'http_template', url: 'http://h', metod: 'GET' },
    });
    assert.equal(wrong.status, 400);
    assert.match(JSON.stringify(wrong.json), /metod/);
  });

  it('sends a subscription test through the outbox, with the stored headers filled in', async () => {
    const receiver = await TestReceiver.start({ status: 204 });
    try {
      const created = await post('/api/topics', {
        name: 'tested',
        subscriptions: [
          {
            protocol: 'http_template',
            name: 'tickets',
            url: `${receiver.url}/t/{{ event.kind }}`,
            headers: { Authorization: 'Bearer {{ subscription.name }}-token' },
            body: '{"title": {{ event.title | json }}}',
          },
          { protocol: 'alertmanager_webhook', name: 'am', endpoint: `${receiver.url}/am`, bearerToken: 'am-token' },
        ],
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      for (const sub of ['tickets', 'am'])
        assert.equal((await post(`/api/topics/tested/subscriptions/${sub}/test`, {})).status, 202);
      await tocsin.outbox.runOnce();
      const byPath = new Map(receiver.requests.map((r) => [r.path.split('/')[1], r]));
      const templated = byPath.get('t');
      assert.equal(templated?.path, '/t/test');
      assert.equal(templated?.headers.authorization, 'Bearer tickets-token');
      assert.equal(typeof JSON.parse(templated?.body ?? '').title, 'string');
      const am = byPath.get('am');
      assert.equal(am?.headers.authorization, 'Bearer am-token');
      assert.equal(JSON.parse(am?.body ?? '').alerts[0].labels.kind, 'test');
    } finally {
      await receiver.close();
    }
  });

  it('reports a template that does not parse at its line of the config file (tocsin validate)', async () => {
    const text = [
      'version: 1',
      'topics:',
      '  - name: ops',
      '    subscriptions:',
      '      - protocol: http_template',
      '        url: http://127.0.0.1:9/x',
      '        body: "{{ event.title | nope }}"',
      '',
    ].join('\n');
    const loaded = loadConfigText(text, 'tocsin.yaml', {});
    assert.ok(loaded.ok);
    if (!loaded.ok) return;
    const issues = await planOffline('tocsin.yaml', loaded.config, loaded.refs, loaded.locate);
    assert.deepEqual(
      issues.map((i) => `${i.line} ${i.path}`),
      ['7 topics.0.subscriptions.0.body'],
    );
    assert.match(issues[0].message, /undefined filter: nope/);
  });
});
