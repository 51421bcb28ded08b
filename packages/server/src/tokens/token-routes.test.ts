import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tokenCreateSchema } from '@tocsin/protocol';
import type { Tocsin } from '../app.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

for (const variant of await testDatabases()) {
  describe(`token routes on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name));
    });
    after(() => dispose());

    it('creates a token with the body the protocol schema accepts; the token works with its scope', async () => {
      const body = { name: 'grafana', scope: 'read' };
      assert.ok(tokenCreateSchema.safeParse(body).success);
      const created = await call(tocsin, 'POST', '/api/tokens', body);
      assert.equal(created.status, 201, created.text);
      assert.match(created.json.token, /^tcn_/);
      assert.equal(created.json.scope, 'read');
      assert.equal((await call(tocsin, 'GET', '/api/monitors', undefined, created.json.token)).status, 200);
      const list = await call(tocsin, 'GET', '/api/tokens');
      assert.ok(list.json.tokens.some((t: { name: string }) => t.name === 'grafana'));
    });

    it('answers 400s with the protocol schema messages, naming the field', async () => {
      for (const [body, field, message] of [
        [{ name: '', scope: 'read' }, 'name', /required/],
        [{ name: 'x'.repeat(65), scope: 'read' }, 'name', /at most 64/],
        [{ name: 'x', scope: 'root' }, 'scope', /admin, write, read, ingest/],
        [{ name: 'x', scope: 'read', extra: 1 }, '', /extra/],
      ] as const) {
        const res = await call(tocsin, 'POST', '/api/tokens', body);
        assert.equal(res.status, 400, res.text);
        const issue = res.json.error.details.issues[0];
        assert.equal(issue.path, field);
        assert.match(issue.message, message);
        const local = tokenCreateSchema.safeParse(body);
        assert.equal(local.success, false);
      }
    });

    it('describes the body in the OpenAPI document from the protocol schema', async () => {
      const doc = (await call(tocsin, 'GET', '/api/openapi.json')).json;
      const schema = doc.paths['/api/tokens'].post.requestBody.content['application/json'].schema;
      assert.deepEqual(schema.required, ['name', 'scope']);
      assert.deepEqual(schema.properties.scope.enum, ['admin', 'write', 'read', 'ingest']);
    });
  });
}
