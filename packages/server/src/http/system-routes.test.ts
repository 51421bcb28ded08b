import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { call, createTestApp, TEST_ADMIN_TOKEN } from '../test-support/test-app.js';
import type { Tocsin } from '../app.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('GET /', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => ({ tocsin, dispose } = await createTestApp('sqlite')));
  after(() => dispose());

  it('answers without a token with a page saying what is here, and no secrets', async () => {
    const res = await call(tocsin, 'GET', '/', undefined, null);
    assert.equal(res.status, 200);
    const page = res.text;
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<h1>Tocsin<\/h1>/);
    assert.ok(page.includes(`version ${version}`), 'names the version');
    for (const link of ['/api/openapi.json', '/healthz']) assert.ok(page.includes(`href="${link}"`), `links ${link}`);
    assert.match(page, /docs\//);
    assert.ok(!page.includes(TEST_ADMIN_TOKEN) && !/tcn_/.test(page), 'no token');
    const head = await tocsin.http.request('/');
    assert.match(head.headers.get('content-type') ?? '', /^text\/html/);
  });

  it('is in the OpenAPI document as public', async () => {
    const doc = (await call(tocsin, 'GET', '/api/openapi.json', undefined, null)).json;
    assert.ok(doc.paths['/'].get, 'GET / is documented');
    assert.deepEqual(doc.paths['/'].get.security, []);
  });
});
