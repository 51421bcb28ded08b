import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tocsin } from '../app.js';
import { call, createTestApp } from '../test-support/test-app.js';
import { testDatabases } from '../test-support/test-databases.js';

type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  type?: string | string[];
};

const alarm = {
  namespace: 'App',
  metricName: 'errors',
  statistic: 'Sum',
  period: '1m',
  evaluationPeriods: 1,
  threshold: 5,
  comparisonOperator: 'GreaterThanThreshold',
};

/** Each resource with a PUT: a body without its name, and a change that shows in the answer. */
const resources: {
  path: string;
  body: Record<string, unknown>;
  changed: Record<string, unknown>;
  read: (json: any) => unknown;
}[] = [
  {
    path: '/api/topics/ops',
    body: { displayName: 'Ops' },
    changed: { displayName: 'Operations' },
    read: (j) => j.displayName,
  },
  {
    path: '/api/monitors/site',
    body: { type: 'http', url: 'http://127.0.0.1:9/' },
    changed: { type: 'http', url: 'http://127.0.0.1:9/', description: 'changed' },
    read: (j) => j.settings.description ?? null,
  },
  {
    path: '/api/heartbeats/nightly',
    body: { period: '1d', grace: '1h' },
    changed: { period: '1d', grace: '1h', description: 'changed' },
    read: (j) => j.spec.description ?? null,
  },
  { path: '/api/alarms/errors', body: alarm, changed: { ...alarm, threshold: 7 }, read: (j) => j.spec.threshold },
  {
    path: '/api/maintenance/night',
    body: { cron: '0 2 * * *', duration: '1h', monitors: ['site'] },
    changed: { cron: '0 3 * * *', duration: '1h', monitors: ['site'] },
    read: (j) => j.cron,
  },
];

for (const variant of await testDatabases()) {
  describe(`API conventions on ${variant.name}`, () => {
    let tocsin: Tocsin;
    let dispose: () => Promise<void>;

    before(async () => {
      ({ tocsin, dispose } = await createTestApp(variant.name));
    });
    after(() => dispose());

    it('PUT on a named resource creates it (201) taking the name from the path, then replaces it (200)', async () => {
      for (const r of resources) {
        const created = await call(tocsin, 'PUT', r.path, r.body);
        assert.equal(created.status, 201, `${r.path} created: ${created.text}`);
        assert.equal(created.json.name, r.path.split('/').pop(), r.path);
        const replaced = await call(tocsin, 'PUT', r.path, { ...r.changed, name: r.path.split('/').pop() });
        assert.equal(replaced.status, 200, `${r.path} replaced: ${replaced.text}`);
        const read = await call(tocsin, 'GET', r.path);
        assert.equal(read.status, 200, r.path);
        assert.deepEqual(r.read(read.json), r.read({ ...replaced.json }), r.path);
        assert.notDeepEqual(r.read(read.json), r.read(created.json), `${r.path} changed`);
      }
    });

    it('refuses a PUT whose body names another resource than its path, naming the field', async () => {
      for (const r of resources) {
        const res = await call(tocsin, 'PUT', r.path, { ...r.body, name: 'something-else' });
        assert.equal(res.status, 400, `${r.path}: ${res.text}`);
        assert.equal(res.json.error.details.issues[0].path, 'name', r.path);
        assert.match(res.json.error.message, /^name: must be the name in the path/);
      }
      assert.equal((await call(tocsin, 'GET', '/api/topics/something-else')).status, 404);
    });

    it('creates DNS monitors, whose query has a field of its own', async () => {
      const res = await call(tocsin, 'POST', '/api/monitors', {
        name: 'mx',
        type: 'dns',
        query: 'example.com',
        recordType: 'MX',
        resolver: '127.0.0.1:9',
      });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual([res.json.name, res.json.target.query], ['mx', 'example.com']);
      const missing = await call(tocsin, 'POST', '/api/monitors', { name: 'example.com', type: 'dns' });
      assert.equal(missing.status, 400);
      assert.match(
        missing.json.error.message,
        /^query: required: .*the field is 'query'; 'name' is the monitor's name/,
      );
      const exported = (await call(tocsin, 'GET', '/api/config/export')).json.config.monitors.find(
        (m: { name: string }) => m.name === 'mx',
      );
      assert.deepEqual([exported.name, exported.query], ['mx', 'example.com']);
    });

    it('refuses a TCP host with its port in it', async () => {
      for (const host of ['db:5432', '[::1]:5432']) {
        const res = await call(tocsin, 'POST', '/api/monitors', { name: 'db', type: 'tcp', host, port: 5432 });
        assert.equal(res.status, 400, host);
        assert.equal(
          res.json.error.message,
          `host: the host without its port: give the port in 'port' (got '${host}')`,
        );
      }
    });

    it('never shows the password of a monitor URL, and applying the redacted export keeps it', async () => {
      const url = 'http://watcher:s3cretPass@127.0.0.1:9/health';
      assert.equal((await call(tocsin, 'POST', '/api/monitors', { name: 'private', type: 'http', url })).status, 201);
      const shown = [
        (await call(tocsin, 'GET', '/api/monitors/private')).text,
        (await call(tocsin, 'GET', '/api/monitors')).text,
        (await call(tocsin, 'GET', '/api/config/export')).text,
      ];
      for (const text of shown) {
        assert.doesNotMatch(text, /s3cretPass/);
        assert.match(text, /http:\/\/watcher:<redacted>@127\.0\.0\.1:9\/health/);
      }
      const config = (await call(tocsin, 'GET', '/api/config/export')).json.config;
      const applied = await call(tocsin, 'POST', '/api/config/apply', { config });
      assert.equal(applied.status, 200, applied.text);
      assert.deepEqual(
        applied.json.changes.filter((c: { name: string }) => c.name === 'private'),
        [],
        'no change to the monitor',
      );
      assert.equal(tocsin.monitors.get('private').monitor.probe.url, url);
      const mine = config.monitors.find((m: { name: string }) => m.name === 'private');
      const put = await call(tocsin, 'PUT', '/api/monitors/private', { ...mine, description: 'kept' });
      assert.equal(put.status, 200, put.text);
      assert.equal(tocsin.monitors.get('private').monitor.probe.url, url);
      const changed = await call(tocsin, 'PUT', '/api/monitors/private', {
        ...mine,
        url: 'http://watcher:newPass@127.0.0.1:9/health',
      });
      assert.doesNotMatch(changed.text, /newPass/);
      assert.equal(tocsin.monitors.get('private').monitor.probe.url, 'http://watcher:newPass@127.0.0.1:9/health');
    });
  });
}

describe('the OpenAPI document', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  let doc: {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>;
    components?: { schemas?: Record<string, Schema> };
  };

  before(async () => {
    ({ tocsin, dispose } = await createTestApp('sqlite'));
    doc = (await call(tocsin, 'GET', '/api/openapi.json', undefined, null)).json;
  });
  after(() => dispose());

  const resolve = (s: Schema): Schema =>
    s.$ref ? resolve(doc.components!.schemas![s.$ref.replace('#/components/schemas/', '')]) : s;

  /** The branches of a body schema: each alternative of a union, each must list its fields. */
  function branches(s: Schema): Schema[] {
    const r = resolve(s);
    const alternatives = r.oneOf ?? r.anyOf;
    if (alternatives) return alternatives.flatMap(branches);
    if (r.allOf) return [{ properties: Object.assign({}, ...r.allOf.map((x) => branches(x)[0]?.properties ?? {})) }];
    return [r];
  }

  it('documents the fields of every request body', () => {
    let bodies = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.requestBody) continue;
        bodies++;
        const json = op.requestBody.content['application/json'];
        assert.ok(json, `${method} ${path} has a JSON body`);
        for (const b of branches(json.schema)) {
          assert.ok(
            b.properties && Object.keys(b.properties).length > 0,
            `${method.toUpperCase()} ${path}: a body branch without fields: ${JSON.stringify(b).slice(0, 200)}`,
          );
        }
      }
    }
    assert.ok(bodies >= 15, `${bodies} bodies`);
  });

  it('documents that a PUT on a named resource may create it', () => {
    for (const path of [
      '/api/topics/{name}',
      '/api/monitors/{name}',
      '/api/heartbeats/{name}',
      '/api/alarms/{name}',
      '/api/maintenance/{name}',
    ]) {
      const put = doc.paths[path].put as { responses: Record<string, unknown> };
      assert.ok(put.responses['200'] && put.responses['201'], path);
    }
  });

  it('documents the state body of an alarm and each probe type of a monitor', () => {
    const state = branches(
      doc.paths['/api/alarms/{name}/state'].put.requestBody!.content['application/json'].schema,
    )[0];
    assert.deepEqual(Object.keys(state.properties!).sort(), ['reason', 'state']);
    const probeFields: Record<string, string[]> = {
      http: ['url', 'method', 'auth', 'expectedStatus'],
      tcp: ['host', 'port'],
      dns: ['query', 'recordType', 'resolver'],
      tls: ['host', 'servername', 'minDaysLeft'],
      object: ['s3', 'key', 'path', 'cron', 'deadline', 'maxAge', 'minSize'],
    };
    for (const path of ['/api/monitors', '/api/monitors/{name}']) {
      const ops = doc.paths[path];
      const body = (ops.post ?? ops.put).requestBody!.content['application/json'].schema;
      const byType = new Map(
        branches(body).map((b) => [resolve(b.properties!.type).enum?.[0] ?? resolve(b.properties!.type).const, b]),
      );
      assert.deepEqual([...byType.keys()].sort(), ['dns', 'http', 'object', 'tcp', 'tls'], path);
      for (const [type, fields] of Object.entries(probeFields)) {
        const props = Object.keys(byType.get(type)!.properties!);
        for (const f of [...fields, 'name', 'interval', 'topics'])
          assert.ok(props.includes(f), `${path} ${type} documents ${f}`);
      }
    }
    const publish = branches(
      doc.paths['/api/topics/{name}/publish'].post.requestBody!.content['application/json'].schema,
    )[0];
    assert.ok(publish.properties!.kind && publish.properties!.title);
  });
});
