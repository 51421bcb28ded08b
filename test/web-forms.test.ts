/**
 * The web UI's pure helpers, on Node: the monitor form's values to an API body (checked with the protocol's own
 * schema) and back from a monitor as the API shows it, and a heartbeat's next expected times in its time zone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpProbeSchema, monitorInputSchema } from '@tocsin/protocol';
import type { Monitor } from '../packages/web/src/core/api-types.js';
import { pingSnippets } from '../packages/web/src/pages/heartbeat-snippets.js';
import {
  monitorBody,
  monitorFieldOf,
  monitorFormInitial,
  monitorValues,
} from '../packages/web/src/pages/monitor-form-values.js';
import { parseTags } from '../packages/web/src/core/form-text.js';

describe('web monitor form', () => {
  it('turns the inputs of each probe type into a body the monitor schema accepts', () => {
    const cases = [
      { type: 'http', url: 'https://example.com/health', expectedStatus: '200-299, 301', headers: 'X-A: 1' },
      { type: 'tcp', host: 'db.internal', port: '5432' },
      { type: 'dns', query: 'example.com', recordType: 'MX', expected: 'mx1.example.com, mx2.example.com' },
      { type: 'tls', host: 'example.com', port: '', minDaysLeft: '7' },
      { type: 'object', bucket: 'evidence', key: '{date:YYYY-MM-DD}/evidence.txt', cron: '0 9 * * *' },
      { type: 'object', objectWhere: 'file', objectPath: '/var/batch/{date:YYYY-MM-DD}.done', maxAge: '25h' },
    ];
    for (const c of cases) {
      const body = monitorBody({ ...monitorFormInitial, name: `m-${c.type}`, tags: 'env=prod, edge', ...c });
      const parsed = monitorInputSchema.safeParse(body);
      assert.ok(parsed.success, `${c.type}: ${JSON.stringify(!parsed.success && parsed.error.issues)}`);
      assert.deepEqual(body.tags, { env: 'prod', edge: '' });
    }
    const http = monitorBody({ ...monitorFormInitial, name: 'h', expectedStatus: '200-299, 301', headers: 'X-A: 1' });
    assert.deepEqual(http.expectedStatus, ['200-299', 301]);
    assert.deepEqual(http.headers, { 'X-A': '1' });
  });

  it('leaves what the user got wrong for the schema to name, at the field that shows it', () => {
    const body = monitorBody({ ...monitorFormInitial, name: 'bad name', type: 'tcp', host: 'db:5432', port: 'x' });
    const parsed = monitorInputSchema.safeParse(body);
    assert.equal(parsed.success, false);
    const fields = new Set(!parsed.success ? parsed.error.issues.map((i) => monitorFieldOf(i.path.join('.'))) : []);
    assert.deepEqual([...fields].sort(), ['host', 'name', 'port']);
    assert.equal(monitorFieldOf('auth.token'), 'authType');
    assert.equal(monitorFieldOf('expectedStatus.1'), 'expectedStatus');
    assert.equal(monitorFieldOf('s3.bucket'), 'bucket');
    assert.equal(monitorFieldOf('path'), 'objectPath');
  });

  it("fills the form from an object monitor and gives the same probe back, the stored secret's marker kept", () => {
    const target = {
      type: 'object',
      s3: {
        bucket: 'evidence',
        prefix: 'batch/',
        region: 'ap-northeast-1',
        pathStyle: true,
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: '***',
      },
      key: '{date:YYYY-MM-DD}/evidence.txt',
      timezone: 'Asia/Tokyo',
      cron: '0 9 * * *',
      deadline: '30m',
      minSize: 1,
    };
    const settings = {
      intervalMs: 60_000,
      timeoutMs: 10_000,
      failureThreshold: 1,
      successThreshold: 1,
      retryIntervalMs: null,
      reminderMs: null,
      topics: ['batch'],
      tags: {},
      paused: false,
    };
    const m = { name: 'evidence', type: 'object', target, settings } as unknown as Monitor;
    const v = monitorValues(m);
    assert.equal(v.objectWhere, 's3');
    assert.equal(v.objectTimezone, 'Asia/Tokyo');
    const body = monitorBody(v);
    const { type: _t, ...probe } = target;
    for (const [k, want] of Object.entries(probe)) assert.deepEqual(body[k], want, k);
    const ok = monitorInputSchema.safeParse(body);
    assert.ok(ok.success, JSON.stringify(!ok.success && ok.error.issues));
    const noSecret = monitorBody({ ...v, secretAccessKey: '' });
    const refused = monitorInputSchema.safeParse(noSecret);
    assert.equal(refused.success, false);
    const at = !refused.success ? refused.error.issues.map((i) => monitorFieldOf(i.path.join('.'))) : [];
    assert.deepEqual(at, ['secretAccessKey']);
  });

  it('fills the form from a monitor as the API shows it, and gives the same body back', () => {
    const m: Monitor = {
      name: 'api',
      type: 'http',
      target: httpProbeSchema.parse({ type: 'http', url: 'https://x.test/', method: 'POST', verifyTls: false }),
      state: 'UP',
      lastCheckAt: null,
      lastResult: null,
      stateChangedAt: null,
      nextCheckAt: null,
      settings: {
        description: 'the API',
        intervalMs: 90_000,
        timeoutMs: 5000,
        failureThreshold: 3,
        successThreshold: 1,
        retryIntervalMs: null,
        reminderMs: 3_600_000,
        topics: ['ops'],
        tags: { env: 'prod' },
        paused: false,
      },
    };
    const v = monitorValues(m);
    assert.equal(v.interval, '90s');
    assert.equal(v.reminder, '1h');
    const body = monitorBody(v);
    assert.ok(monitorInputSchema.safeParse(body).success);
    assert.equal(body.method, 'POST');
    assert.equal(body.verifyTls, false);
    assert.equal(body.failureThreshold, 3);
    assert.deepEqual(body.topics, ['ops']);
    assert.deepEqual(parseTags('a=1\nb'), { a: '1', b: '' });
  });

  it("keeps a monitor's locations through the form, and names their fields", () => {
    const m: Monitor = {
      name: 'shop',
      type: 'tcp',
      target: { type: 'tcp', host: 'shop.internal', port: 443 },
      state: 'UP',
      lastCheckAt: null,
      lastResult: null,
      stateChangedAt: null,
      nextCheckAt: null,
      settings: {
        description: null,
        intervalMs: 30_000,
        timeoutMs: 5000,
        failureThreshold: 1,
        successThreshold: 1,
        retryIntervalMs: null,
        reminderMs: null,
        topics: [],
        tags: {},
        paused: false,
        locations: { agents: { role: 'edge', region: ['eu', 'us'] }, includeServer: false, quorum: '60%' },
      },
    };
    const v = monitorValues(m);
    assert.equal(v.locationAgents, 'role=edge, region=eu|us');
    const body = monitorBody(v);
    const parsed = monitorInputSchema.safeParse(body);
    assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.error.issues));
    assert.deepEqual(body.locations, m.settings.locations);
    assert.equal(monitorBody({ ...v, locationAgents: ' ' }).locations, undefined, 'empty: the server only');
    const bad = monitorInputSchema.safeParse(monitorBody({ ...v, locationQuorum: '0' }));
    assert.equal(bad.success, false);
    assert.deepEqual(!bad.success && bad.error.issues.map((i) => monitorFieldOf(i.path.join('.'))), ['locationQuorum']);
    assert.equal(monitorFieldOf('locations.agents'), 'locationAgents');
  });
});

describe('web heartbeat snippets', () => {
  it('gives the lines to paste', () => {
    const lines = pingSnippets('http://127.0.0.1:8080/ping/abc', '*/5 * * * *');
    assert.match(
      lines[0].text,
      /^\*\/5 \* \* \* \* .* && curl -fsS -m 10 --retry 5 -o \/dev\/null http:\/\/127\.0\.0\.1:8080\/ping\/abc$/,
    );
    assert.match(lines[2].text, /\/ping\/abc\/start;.*\/ping\/abc\/\$\?$/);
    assert.match(pingSnippets('http://h/ping/abc')[0].text, /^\/path\/to\/job\.sh && curl/);
  });
});
