import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePingPath } from './ping-request.js';

const U = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';

describe('ping URLs', () => {
  it('reads every Healthchecks form', () => {
    assert.deepEqual(parsePingPath([U]), { target: { uuid: U }, kind: 'success', exitStatus: null });
    assert.deepEqual(parsePingPath([U, 'start']), { target: { uuid: U }, kind: 'start', exitStatus: null });
    assert.deepEqual(parsePingPath([U, 'fail']), { target: { uuid: U }, kind: 'fail', exitStatus: null });
    assert.deepEqual(parsePingPath([U, 'log']), { target: { uuid: U }, kind: 'log', exitStatus: null });
    assert.deepEqual(parsePingPath([U, '0']), { target: { uuid: U }, kind: 'success', exitStatus: 0 });
    assert.deepEqual(parsePingPath([U, '137']), { target: { uuid: U }, kind: 'fail', exitStatus: 137 });
    assert.deepEqual(parsePingPath(['key123', 'db-backup']), { target: { pingKey: 'key123', slug: 'db-backup' }, kind: 'success', exitStatus: null });
    assert.deepEqual(parsePingPath(['key123', 'db-backup', 'fail']), { target: { pingKey: 'key123', slug: 'db-backup' }, kind: 'fail', exitStatus: null });
  });
  it('rejects what is not a ping URL', () => {
    for (const bad of [[], [U, '256'], [U, 'stop'], [U, 'start', 'x'], ['key'], ['key', 'Bad Slug'], ['key', 'slug', 'x', 'y']]) {
      assert.equal(parsePingPath(bad), undefined, bad.join('/'));
    }
  });
});
