import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { call, createTestApp } from '../test-support/test-app.js';

/** Routes anyone may call: keep this list explicit, so a new public route is a deliberate choice. */
const PUBLIC = new Set([
  'GET /',
  'GET /healthz',
  'GET /readyz',
  'GET /confirm/{token}',
  'POST /confirm/{token}',
  'GET /unsubscribe/{token}',
  'POST /unsubscribe/{token}',
  'GET /api/setup',
  'POST /api/setup',
  'POST /api/session',
  'DELETE /api/session',
  'GET /api/public/status/{slug}',
  'GET /status/{slug}',
  'GET /badge/{slug}/{item}/status.svg',
  'GET /badge/{slug}/{item}/uptime.svg',
  'GET /badge/{slug}/{item}/latency.svg',
  // The enrolment token in the body is its authentication (rate-limited per address).
  'POST /api/agents/enroll',
]);

/** Routes that answer errors as the protocol they take does (Loki's clients read a plain-text reason). */
const PLAIN_TEXT_ERRORS = new Set(['POST /loki/api/v1/push']);

/** Routes public to OpenAPI that take a token in a header of their protocol (Firehose's access key). */
const OWN_AUTH = new Set(['POST /api/logs/firehose']);

describe('HTTP API', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  const tokens: Record<string, string> = {};

  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite'));
    for (const scope of ['admin', 'write', 'read', 'ingest'] as const)
      tokens[scope] = (await tocsin.tokens.create(`t-${scope}`, scope)).token;
  });
  after(() => dispose());

  it('asks for a token on every route but the listed public ones, and a strong enough scope', async () => {
    const doc = (await call(tocsin, 'GET', '/api/openapi.json', undefined, null)).json;
    const seenPublic = new Set<string>();
    const seenOwnAuth = new Set<string>();
    let checked = 0;
    for (const [path, ops] of Object.entries<Record<string, { security?: { bearer?: string[] }[] }>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        const url = path.replace(/\{[^}]+\}/g, 'x');
        const scope = op.security?.[0]?.bearer?.[0];
        if (!scope && OWN_AUTH.has(key)) {
          const anonymous = await call(tocsin, method.toUpperCase(), url, {}, null);
          assert.equal(anonymous.status, 401, `${key} without its access key`);
          seenOwnAuth.add(key);
          continue;
        }
        if (!scope) {
          assert.ok(PUBLIC.has(key), `${key} is public but not in the list of public routes`);
          seenPublic.add(key);
          continue;
        }
        assert.ok(!PUBLIC.has(key), `${key} should be public`);
        const body = method === 'get' || method === 'delete' ? undefined : {};
        const anonymous = await call(tocsin, method.toUpperCase(), url, body, null);
        assert.equal(anonymous.status, 401, `${key} without a token`);
        const plain = PLAIN_TEXT_ERRORS.has(key);
        const message = (r: { json: any; text: string }): string => (plain ? r.text : r.json.error.message);
        if (plain) assert.match(anonymous.text, /send an API token/, `${key} without a token`);
        else assert.equal(anonymous.json.error.code, 'unauthorized');
        const wrong = await call(tocsin, method.toUpperCase(), url, body, 'tcn_not-a-real-token');
        assert.equal(wrong.status, 401, `${key} with an unknown token`);
        const weaker = scope === 'read' ? 'ingest' : 'read';
        const res = await call(tocsin, method.toUpperCase(), url, body, tokens[weaker]);
        assert.equal(res.status, 403, `${key} with a ${weaker} token`);
        assert.match(message(res), new RegExp(`'${scope}' scope`), `${key} with a ${weaker} token`);
        checked++;
      }
    }
    assert.deepEqual([...seenPublic].sort(), [...PUBLIC].sort());
    assert.deepEqual([...seenOwnAuth].sort(), [...OWN_AUTH].sort());
    assert.ok(checked >= 15, `checked ${checked} routes`);
  });

  it('revoked tokens stop working', async () => {
    const { token } = await tocsin.tokens.create('short-lived', 'read');
    assert.equal((await call(tocsin, 'GET', '/api/topics', undefined, token)).status, 200);
    await tocsin.tokens.revoke('short-lived');
    assert.equal((await call(tocsin, 'GET', '/api/topics', undefined, token)).status, 401);
  });

  it('answers malformed JSON with a 400 that says so', async () => {
    const res = await call(tocsin, 'POST', '/api/topics', '{"name": ');
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'bad_request');
    assert.match(res.json.error.message, /JSON/);
  });

  it('answers an oversize body with a 413 in the error envelope', async () => {
    const res = await call(
      tocsin,
      'POST',
      '/api/topics',
      JSON.stringify({ name: 'x', displayName: 'y'.repeat(2 * 1024 * 1024) }),
    );
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'payload_too_large');
  });

  it('names the field of bad input', async () => {
    const res = await call(tocsin, 'POST', '/api/topics', {
      name: 'ops',
      subscriptions: [{ protocol: 'webhook', endpoint: 'not a url' }],
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'validation_failed');
    assert.match(res.json.error.message, /subscriptions\.0\.endpoint/);
    const unknown = await call(tocsin, 'POST', '/api/topics', {
      name: 'ops',
      subscriptions: [{ protocol: 'pager', endpoint: 'x' }],
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error.message, /subscriptions\.0\.protocol/);
    const missing = await call(tocsin, 'POST', '/api/topics/nope/publish', { kind: 'test' }, tokens.ingest);
    assert.equal(missing.status, 400);
    assert.match(missing.json.error.message, /title/);
  });

  it('answers unknown routes and resources with 404 envelopes', async () => {
    const route = await call(tocsin, 'GET', '/api/nothing-here');
    assert.equal(route.status, 404);
    assert.equal(route.json.error.code, 'not_found');
    const topic = await call(tocsin, 'POST', '/api/topics/nope/publish', { kind: 'test', title: 'x' }, tokens.ingest);
    assert.equal(topic.status, 404);
    assert.match(topic.json.error.message, /topic 'nope' does not exist/);
  });

  it('never prints secrets back', async () => {
    const created = await call(tocsin, 'POST', '/api/topics', {
      name: 'secret-test',
      subscriptions: [
        { protocol: 'slack', endpoint: 'https://hooks.slack.com/services/T000/B000/W3BHOOKSECRET' },
        { protocol: 'pagerduty', routingKey: 'R0UTINGKEYSECRET' },
        {
          protocol: 'webhook',
          endpoint: 'http://127.0.0.1:9/h',
          secret: 'hmac-secret-value',
          headers: { authorization: 'Bearer HEADERSECRET' },
        },
      ],
    });
    assert.equal(created.status, 201);
    for (const text of [
      created.text,
      (await call(tocsin, 'GET', '/api/topics')).text,
      (await call(tocsin, 'GET', '/api/config/export')).text,
    ]) {
      assert.doesNotMatch(text, /W3BHOOKSECRET|R0UTINGKEYSECRET|hmac-secret-value|HEADERSECRET/);
      assert.match(text, /<redacted>/);
    }
  });

  it('reports health, readiness and metrics', async () => {
    assert.equal((await call(tocsin, 'GET', '/healthz', undefined, null)).status, 200);
    assert.equal((await call(tocsin, 'GET', '/readyz', undefined, null)).status, 200);
    const metrics = await call(tocsin, 'GET', '/metrics', undefined, tokens.read);
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^tocsin_deliveries\{status="pending"\} \d+$/m);
    assert.match(metrics.text, /tocsin_outbox_oldest_pending_seconds/);
  });
});
