import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import type { TocsinError } from '../core/errors.js';
import { MAX_JSON_DEPTH, jsonValueIssues, parseJsonBody } from './request-guard.js';

/** `{"a":{"a":…}}` nested `depth` objects deep, with `leaf` inside the last. */
function nested(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

for (const variant of await testDatabases()) {
  describe(`request guard on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name));
      assert.equal((await call(tocsin, 'POST', '/api/topics', { name: 'ops' })).status, 201);
      assert.equal(
        (await call(tocsin, 'POST', '/api/heartbeats', { name: 'nightly', period: '1d', grace: '1h' })).status,
        201,
      );
    });
    after(() => dispose());

    it('answers a NUL in a path parameter with 404', async () => {
      for (const [method, url] of [
        ['GET', '/api/topics/%00'],
        ['DELETE', '/api/topics/a%00b'],
        ['GET', '/api/monitors/%00'],
        ['GET', '/api/heartbeats/%00/pings'],
        ['GET', '/api/alarms/%00'],
        ['GET', '/unsubscribe/%00'],
        ['POST', '/confirm/%00'],
      ]) {
        const res = await call(
          tocsin,
          method,
          url,
          undefined,
          method === 'GET' && url.startsWith('/unsub') ? null : undefined,
        );
        assert.equal(res.status, 404, `${method} ${url}: ${res.text}`);
        assert.equal(res.json.error.code, 'not_found');
      }
    });

    it('answers a NUL in a query parameter with a 400 naming it', async () => {
      const res = await call(tocsin, 'GET', '/api/heartbeats/nightly/pings?before=%00');
      assert.equal(res.status, 400, res.text);
      assert.match(res.json.error.message, /^before: /);
      const fine = await call(tocsin, 'GET', '/api/heartbeats/nightly/pings?before=zzz');
      assert.equal(fine.status, 200);
    });

    it('answers a NUL in any text field of a body with a 400 naming the field', async () => {
      const publish = (body: Record<string, unknown>) =>
        call(tocsin, 'POST', '/api/topics/ops/publish', { title: 't', ...body });
      for (const [body, path] of [
        [{ title: 'a\0b' }, 'title'],
        [{ text: 'a\0b' }, 'text'],
        [{ dedupKey: 'k\0' }, 'dedupKey'],
        [{ attributes: { note: 'a\0b' } }, 'attributes.note'],
        [{ attributes: { list: [{ deep: '\0' }] } }, 'attributes.list.0.deep'],
        [{ attributes: { 'key\0': 'v' } }, 'attributes'],
        [{ source: { type: 'job', name: 'x', tags: { host: 'a\0' } } }, 'source.tags.host'],
      ] as const) {
        const res = await publish(body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.json.error.code, 'validation_failed');
        assert.equal(res.json.error.details.issues[0].path, path);
        assert.match(res.json.error.message, new RegExp(`^${path.replaceAll('.', '\\.')}: .*NUL`));
      }
      const cases: [string, string, unknown, string][] = [
        ['PUT', '/api/topics/ops', { displayName: 'Ops\0' }, 'displayName'],
        [
          'POST',
          '/api/topics',
          { name: 'other', subscriptions: [{ protocol: 'webhook', endpoint: 'http://127.0.0.1:9/\0' }] },
          'subscriptions.0.endpoint',
        ],
        [
          'POST',
          '/api/monitors',
          { name: 'web', type: 'http', url: 'http://127.0.0.1:9/', description: 'the \0 site' },
          'description',
        ],
        ['PUT', '/api/heartbeats/nightly', { period: '1d', grace: '1h', description: '\0' }, 'description'],
        [
          'POST',
          '/api/alarms',
          {
            name: 'a',
            namespace: 'n',
            metricName: 'm\0',
            statistic: 'Sum',
            period: 60,
            threshold: 1,
            comparisonOperator: 'GreaterThanThreshold',
          },
          'metricName',
        ],
        [
          'POST',
          '/api/metrics',
          { Namespace: 'App', MetricData: [{ MetricName: 'm\0', Value: 1 }] },
          'MetricData.0.MetricName',
        ],
        [
          'POST',
          '/api/config/apply',
          { config: { topics: [{ name: 'x', displayName: '\0' }] } },
          'config.topics.0.displayName',
        ],
      ];
      for (const [method, url, body, path] of cases) {
        const res = await call(tocsin, method, url, body);
        assert.equal(res.status, 400, `${method} ${url}: ${res.text}`);
        assert.equal(res.json.error.details.issues[0].path, path, `${method} ${url}`);
      }
      assert.equal((await call(tocsin, 'GET', '/api/topics/ops')).json.displayName ?? null, null, 'nothing was stored');
    });

    it(`refuses a body nested deeper than ${MAX_JSON_DEPTH} levels with a 400, even 10,000 deep`, async () => {
      const deep = await call(
        tocsin,
        'POST',
        '/api/topics/ops/publish',
        `{"title":"t","attributes":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      );
      assert.equal(deep.status, 400, deep.text.slice(0, 300));
      assert.match(deep.json.error.message, /^attributes\.a\.a\.a.*: nested deeper than 32 levels/);
      const arrays = await call(
        tocsin,
        'POST',
        '/api/topics/ops/publish',
        `{"title":"t","attributes":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`,
      );
      assert.equal(arrays.status, 400);
      const fine = await call(tocsin, 'POST', '/api/topics/ops/publish', {
        title: 't',
        attributes: nested(MAX_JSON_DEPTH - 2),
      });
      assert.equal(fine.status, 202, fine.text);
    });

    it('answers a body that is not JSON with a 415 saying what to send', async () => {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', undefined]) {
        const headers: Record<string, string> = { authorization: 'Bearer test-admin-token-0123456789' };
        if (type) headers['content-type'] = type;
        // Bytes, so that no content type is added for us.
        const res = await tocsin.http.request('/api/topics/ops/publish', {
          method: 'POST',
          headers,
          body: new TextEncoder().encode('{"title":"t"}'),
        });
        assert.equal(res.status, 415, String(type));
        const json = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(json.error.code, 'unsupported_media_type');
        assert.match(json.error.message, /Content-Type: application\/json/);
        assert.match(json.error.message, type ? new RegExp(`got ${type.replace('/', '\\/')}`) : /no Content-Type/);
      }
      const charset = await tocsin.http.request('/api/topics/ops/publish', {
        method: 'POST',
        headers: {
          authorization: 'Bearer test-admin-token-0123456789',
          'content-type': 'application/json; charset=utf-8',
        },
        body: '{"title":"t"}',
      });
      assert.equal(charset.status, 202);
    });

    it('publishes with kind "test" when none is given, as the CLI does', async () => {
      const res = await call(tocsin, 'POST', '/api/topics/ops/publish', { title: 'hello' });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.json.event.kind, 'test');
      const given = await call(tocsin, 'POST', '/api/topics/ops/publish', { title: 'hello', kind: 'deploy.done' });
      assert.equal(given.json.event.kind, 'deploy.done');
    });
  });
}

describe('jsonValueIssues', () => {
  it('names the path of NUL characters in strings and keys', () => {
    assert.deepEqual(jsonValueIssues({ title: 'a\0b', list: ['ok', 'x\0'], attrs: { 'k\0': 1 } }), [
      { path: 'title', message: 'must not contain a NUL character (\\u0000)' },
      { path: 'list.1', message: 'must not contain a NUL character (\\u0000)' },
      { path: 'attrs', message: 'the key "k\\u0000" must not contain a NUL character (\\u0000)' },
    ]);
    assert.deepEqual(jsonValueIssues({ fine: ['text', 1, null, true, { deeper: 'yes' }] }), []);
    assert.equal(jsonValueIssues(Array(1000).fill('\0')).length, 10, 'stops after a few');
  });

  it(`allows ${MAX_JSON_DEPTH} levels of objects and arrays, and no more, however deep the input`, () => {
    assert.deepEqual(jsonValueIssues(nested(MAX_JSON_DEPTH)), []);
    const [issue] = jsonValueIssues(nested(MAX_JSON_DEPTH + 1));
    assert.equal(issue.path, Array(MAX_JSON_DEPTH).fill('a').join('.'));
    assert.match(issue.message, /nested deeper than 32 levels/);
    assert.equal(jsonValueIssues(JSON.parse('['.repeat(200_000) + ']'.repeat(200_000))).length, 1);
  });
});

describe('parseJsonBody', () => {
  const refused = (text: string) =>
    assert.throws(
      () => parseJsonBody(text),
      (err: TocsinError) => err.code === 'validation_failed',
    );

  it('takes what jsonValueIssues takes and refuses what it refuses, through its fast path too', () => {
    assert.deepEqual(parseJsonBody(JSON.stringify(nested(MAX_JSON_DEPTH))), nested(MAX_JSON_DEPTH));
    refused(JSON.stringify(nested(MAX_JSON_DEPTH + 1)));
    refused(JSON.stringify([[{ a: [] }], ...Array(3).fill({ b: nested(MAX_JSON_DEPTH) })]));
    refused('{"title": "a\\u0000b"}');
    refused('{"k\\u0000": 1}');
    // An escaped backslash before u0000 is no NUL: the text looks like one, the walk finds none.
    assert.deepEqual(parseJsonBody('{"path": "C:\\\\u0000"}'), { path: 'C:\\u0000' });
    assert.throws(
      () => parseJsonBody('{'),
      (err: TocsinError) => err.code === 'bad_request',
    );
  });
});
