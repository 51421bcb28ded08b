import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { call, createTestApp, TEST_ADMIN_TOKEN } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';
import { loadConfigText } from './config-loader.js';

const yamlFile = `version: 1
topics:
  - name: ops
    displayName: Operations
monitors:
  - name: site
    type: http
    url: http://127.0.0.1:9/
    paused: true
    topics: [ops]
`;

for (const variant of await testDatabases()) {
  describe(`config routes (YAML) on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name));
    });
    after(() => dispose());

    const send = async (text: string, query = '', type = 'application/yaml') => {
      const res = await tocsin.http.request(`/api/config/apply${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': type },
        body: text,
      });
      return { status: res.status, json: (await res.json()) as any };
    };

    it('plans a YAML body with ?dryRun=true, then applies it (application/yaml and text/yaml)', async () => {
      const plan = await send(yamlFile, '?dryRun=true');
      assert.equal(plan.status, 200, JSON.stringify(plan.json));
      assert.equal(plan.json.applied, false);
      assert.deepEqual(
        plan.json.changes.map((c: { action: string; resource: string; name: string }) => `${c.action} ${c.name}`),
        ['create ops', 'create site'],
      );
      assert.equal((await call(tocsin, 'GET', '/api/monitors/site')).status, 404, 'a dry run writes nothing');
      const applied = await send(yamlFile, '', 'text/yaml; charset=utf-8');
      assert.equal(applied.status, 200, JSON.stringify(applied.json));
      assert.equal(applied.json.applied, true);
      assert.equal((await call(tocsin, 'GET', '/api/monitors/site')).json.target.url, 'http://127.0.0.1:9/');
      assert.deepEqual((await send(yamlFile)).json.changes, []);
    });

    it('answers 400 with issues that name the line and field, as the CLI loader does', async () => {
      const typo = await send(yamlFile.replace('    paused: true', '    pasued: true'));
      assert.equal(typo.status, 400);
      assert.equal(typo.json.error.code, 'validation_failed');
      assert.deepEqual(typo.json.error.details.issues, [
        { path: 'monitors.0.pasued', line: 9, message: "line 9: unknown field; did you mean 'paused'?" },
      ]);
      const syntax = await send('version: 1\ntopics:\n  - name: ops\n    displayName: a: b\n');
      assert.equal(syntax.status, 400);
      assert.match(syntax.json.error.details.issues[0].message, /^line 4: /);
      const unknownTopic = await send(yamlFile.replace('topics: [ops]', 'topics: [nope]'));
      assert.equal(unknownTopic.status, 400, JSON.stringify(unknownTopic.json));
      const issue = unknownTopic.json.error.details.issues[0];
      assert.equal(issue.path.startsWith('monitors.0.topics'), true, issue.path);
      assert.match(issue.message, /^line 1[01]: .*nope/);
      const nul = await send(yamlFile.replace('Operations', '"Op\\0s"'));
      assert.equal(nul.status, 400);
      assert.deepEqual(nul.json.error.details.issues[0].path, 'topics.0.displayName');
      assert.match(nul.json.error.details.issues[0].message, /^line 4: .*NUL/);
    });

    it('resolves no ${VAR} from the server environment: a default applies, a bare reference is a 400', async () => {
      process.env.TOCSIN_TEST_SECRET_URL = 'http://127.0.0.1:9/leak';
      const bare = await send(yamlFile.replace('url: http://127.0.0.1:9/', 'url: ${TOCSIN_TEST_SECRET_URL}'));
      delete process.env.TOCSIN_TEST_SECRET_URL;
      assert.equal(bare.status, 400);
      assert.match(bare.json.error.details.issues[0].message, /^line 8: \$\{TOCSIN_TEST_SECRET_URL\} is not resolved/);
      const withDefault = await send(yamlFile.replace('url: http://127.0.0.1:9/', 'url: ${X:-http://127.0.0.1:9/x}'));
      assert.equal(withDefault.status, 200, JSON.stringify(withDefault.json));
      assert.equal((await call(tocsin, 'GET', '/api/monitors/site')).json.target.url, 'http://127.0.0.1:9/x');
    });

    it('still takes JSON, also with ?dryRun=true, and refuses other types with a 415 naming both', async () => {
      const doc = loadConfigText(yamlFile, 'f', {});
      assert.ok(doc.ok);
      const res = await call(tocsin, 'POST', '/api/config/apply?dryRun=true', { config: doc.config });
      assert.equal(res.status, 200);
      assert.equal(res.json.applied, false);
      const bad = await call(tocsin, 'POST', '/api/config/apply', { config: {}, extra: 1 });
      assert.equal(bad.status, 400);
      const plain = await send(yamlFile, '', 'text/plain');
      assert.equal(plain.status, 415);
      assert.match(plain.json.error.message, /application\/json.*application\/yaml/);
    });

    it('exports YAML with ?format=yaml: the CLI export text, which applies back with no changes', async () => {
      const res = await tocsin.http.request('/api/config/export?format=yaml', {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/yaml/);
      const text = await res.text();
      assert.match(text, /^# Exported by tocsin export\./);
      assert.match(text, /name: site/);
      const back = await send(text, '?dryRun=true');
      assert.equal(back.status, 200, JSON.stringify(back.json));
      assert.deepEqual(back.json.changes, []);
      assert.equal((await call(tocsin, 'GET', '/api/config/export?format=xml')).status, 400);
    });

    it('documents both body types and the format query', async () => {
      const doc = (await call(tocsin, 'GET', '/api/openapi.json')).json;
      const content = doc.paths['/api/config/apply'].post.requestBody.content;
      assert.deepEqual(Object.keys(content), ['application/json', 'application/yaml', 'text/yaml']);
      const params = doc.paths['/api/config/export'].get.parameters.map((p: { name: string }) => p.name);
      assert.ok(params.includes('format'));
    });
  });
}
