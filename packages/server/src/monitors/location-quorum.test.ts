import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideQuorum,
  quorumOf,
  SERVER_LOCATION,
  type LocationResult,
  type LocationStatus,
} from './location-quorum.js';

function at(id: string, status: LocationStatus, message = status === 'down' ? 'connection refused' : 'ok') {
  return { id, label: id === SERVER_LOCATION ? 'server' : `host-${id}`, status, latencyMs: 3, message };
}
const server = (s: LocationStatus) => at(SERVER_LOCATION, s);

describe('location quorum', () => {
  it('takes a number, a share rounded up, or a majority', () => {
    assert.equal(quorumOf(2, 5), 2);
    assert.equal(quorumOf('50%', 3), 2);
    assert.equal(quorumOf('34%', 3), 2);
    assert.equal(quorumOf('33%', 3), 1);
    assert.equal(quorumOf('1%', 0), 1, 'never below one');
    assert.equal(quorumOf(undefined, 3), 2);
    assert.equal(quorumOf(undefined, 4), 3);
    assert.equal(quorumOf(undefined, 1), 1);
  });

  it('stays up when fewer than the quorum fail, and names the failing ones', () => {
    const o = decideQuorum([server('up'), at('a', 'up'), at('b', 'down')], 2);
    assert.equal(o.up, true);
    assert.deepEqual(o.failed, ['host-b']);
    assert.match(
      o.reason,
      /^up from 2 of 3 locations \(down from 1, under the quorum of 2: host-b: connection refused\)/,
    );
  });

  it('fails when the quorum fails, naming each failed location', () => {
    const o = decideQuorum([server('up'), at('a', 'down'), at('b', 'down')], 2);
    assert.equal(o.up, false);
    assert.deepEqual(o.failed, ['host-a', 'host-b']);
    assert.equal(
      o.reason,
      'down from 2 of 3 locations (quorum 2): host-a: connection refused; host-b: connection refused',
    );
  });

  it('fails with the default majority', () => {
    assert.equal(decideQuorum([server('down'), at('a', 'down'), at('b', 'up')], undefined).up, false);
    assert.equal(decideQuorum([server('down'), at('a', 'up'), at('b', 'up')], undefined).up, true);
  });

  it('counts a silent location as unknown, not as a failure', () => {
    const o = decideQuorum([server('up'), at('a', 'down'), at('b', 'unknown')], 2);
    assert.equal(o.up, true);
    assert.equal(o.answered, 2);
  });

  it('with too few answers, fails only when the server location failed', () => {
    const results: LocationResult[] = [server('down'), at('a', 'unknown'), at('b', 'unknown')];
    const failed = decideQuorum(results, 2);
    assert.equal(failed.up, false);
    assert.match(failed.reason, /^not enough locations answered \(1 of 3, quorum 2\); the server's check failed/);
    const passed = decideQuorum([server('up'), at('a', 'unknown'), at('b', 'unknown')], 2);
    assert.equal(passed.up, true);
    assert.match(passed.reason, /^not enough locations answered \(1 of 3, quorum 2\), counted as up/);
    const noServer = decideQuorum([at('a', 'down'), at('b', 'unknown'), at('c', 'unknown')], 2);
    assert.equal(noServer.up, true, 'without the server location, too few answers pass');
    assert.deepEqual(noServer.failed, ['host-a']);
  });

  it('lets the server alone decide when no agent is there', () => {
    assert.equal(decideQuorum([server('down')], 2).up, false);
    assert.equal(decideQuorum([server('up')], 2).up, true);
    assert.equal(decideQuorum([], undefined).up, true);
  });
});
