import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePingPath } from './ping-request.js';

const U = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';
const ok = (path: string) => {
  const r = parsePingPath(path);
  assert.ok(r.ok, `${path}: ${JSON.stringify(r)}`);
  return r.ping;
};

describe('ping URLs', () => {
  it('reads every Healthchecks form', () => {
    assert.deepEqual(ok(U), { target: { uuid: U }, kind: 'success', exitStatus: null });
    assert.deepEqual(ok(`${U}/`), { target: { uuid: U }, kind: 'success', exitStatus: null });
    assert.deepEqual(ok(`${U}/start`), { target: { uuid: U }, kind: 'start', exitStatus: null });
    assert.deepEqual(ok(`${U}/fail`), { target: { uuid: U }, kind: 'fail', exitStatus: null });
    assert.deepEqual(ok(`${U}/log`), { target: { uuid: U }, kind: 'log', exitStatus: null });
    assert.deepEqual(ok(`${U}/0`), { target: { uuid: U }, kind: 'success', exitStatus: 0 });
    assert.deepEqual(ok(`${U}/137`), { target: { uuid: U }, kind: 'fail', exitStatus: 137 });
    assert.deepEqual(ok(`${U}/007`), { target: { uuid: U }, kind: 'fail', exitStatus: 7 });
    assert.deepEqual(ok('key123/db-backup'), {
      target: { pingKey: 'key123', slug: 'db-backup' },
      kind: 'success',
      exitStatus: null,
    });
    assert.deepEqual(ok('key123/db-backup/fail'), {
      target: { pingKey: 'key123', slug: 'db-backup' },
      kind: 'fail',
      exitStatus: null,
    });
    assert.deepEqual(ok('key123/db%2Dbackup/1'), {
      target: { pingKey: 'key123', slug: 'db-backup' },
      kind: 'fail',
      exitStatus: 1,
    });
  });

  it('reads a UUID followed by a word as a ping key and a slug, as Healthchecks does', () => {
    assert.deepEqual(ok(`${U}/abc`), { target: { pingKey: U, slug: 'abc' }, kind: 'success', exitStatus: null });
  });

  it('leaves an exit status above 255 to be refused once the heartbeat is found', () => {
    assert.deepEqual(ok(`${U}/256`), { target: { uuid: U }, kind: 'fail', exitStatus: 256 });
  });

  it('answers 404 for every shape Healthchecks has no route for', () => {
    for (const bad of [
      '',
      U.toUpperCase(),
      U.replaceAll('-', ''),
      'not-uuid',
      `${U}/start/x`,
      `${U}/stop/x`,
      'key',
      'key/',
      'key/slug/',
      'key/slug/stop',
      'key/bad%20slug',
      'key/slug/x/y',
      `/${U}`,
      '%E0%A4%A',
      `${U}//`,
    ]) {
      const r = parsePingPath(bad);
      assert.deepEqual(r, { ok: false, status: 404, text: 'not found' }, bad);
    }
  });

  it('answers 400 for an upper-case slug', () => {
    assert.deepEqual(parsePingPath('key/Db-Backup'), { ok: false, status: 400, text: 'invalid url format' });
    assert.deepEqual(parsePingPath('key/DB/fail'), { ok: false, status: 400, text: 'invalid url format' });
  });
});
