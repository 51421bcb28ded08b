import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  afterCheck,
  initialRuntime,
  resumeAfterCrash,
  type CheckOutcome,
  type MonitorRuntime,
  type StateSettings,
} from './monitor-state.js';

const up: CheckOutcome = { up: true, reason: 'status 200 in 5 ms', latencyMs: 5 };
const down: CheckOutcome = { up: false, reason: 'status 503, expected 200–299', latencyMs: 7 };
const base: StateSettings = { failureThreshold: 1, successThreshold: 1, intervalMs: 60_000 };

function run(results: CheckOutcome[], settings = base, maintenance: boolean[] = [], start = initialRuntime(0)) {
  let rt: MonitorRuntime = start;
  const announced: string[] = [];
  results.forEach((r, i) => {
    const d = afterCheck(rt, r, settings, (i + 1) * 60_000, maintenance[i] ?? false);
    rt = d.runtime;
    if (d.announce)
      announced.push(
        `${i}:${d.announce.kind}${d.announce.kind === 'monitor.down' && d.announce.reminder ? ':reminder' : ''}`,
      );
  });
  return { rt, announced };
}

describe('monitor state machine', () => {
  it('does not announce a first UP, and announces only transitions', () => {
    const { rt, announced } = run([up, up, down, down, down, up, up]);
    assert.deepEqual(announced, ['2:monitor.down', '5:monitor.up']);
    assert.equal(rt.state, 'UP');
  });

  it('announces a monitor that is down from the start once', () => {
    const { announced, rt } = run([down, down, down]);
    assert.deepEqual(announced, ['0:monitor.down']);
    assert.equal(rt.state, 'DOWN');
  });

  it('waits for failureThreshold failures in a row and successThreshold successes', () => {
    const s = { ...base, failureThreshold: 3, successThreshold: 2 };
    assert.deepEqual(run([up, down, down, up, down, down, down, up, down, up, up], s).announced, [
      '6:monitor.down',
      '10:monitor.up',
    ]);
  });

  it('checks sooner while failing but not yet down, or recovering', () => {
    const s = { ...base, failureThreshold: 3, successThreshold: 2, retryIntervalMs: 10_000 };
    const d1 = afterCheck(initialRuntime(0), down, s, 1, false);
    assert.equal(d1.nextCheckInMs, 10_000);
    const d3 = afterCheck(afterCheck(d1.runtime, down, s, 2, false).runtime, down, s, 3, false);
    assert.equal(d3.runtime.health, 'DOWN');
    assert.equal(d3.nextCheckInMs, 60_000, 'once DOWN, the normal interval');
    assert.equal(afterCheck(d3.runtime, up, s, 4, false).nextCheckInMs, 10_000, 'confirming a recovery sooner');
  });

  it('records when the failing streak began and how long it was down', () => {
    const s = { ...base, failureThreshold: 2 };
    let rt = initialRuntime(0);
    rt = afterCheck(rt, up, s, 1000, false).runtime;
    rt = afterCheck(rt, down, s, 2000, false).runtime;
    const d = afterCheck(rt, down, s, 3000, false);
    assert.deepEqual(d.announce, { kind: 'monitor.down', reason: down.reason, failingSince: 2000, reminder: false });
    const u = afterCheck(d.runtime, up, s, 62_000, false);
    assert.deepEqual(u.announce, { kind: 'monitor.up', downForMs: 60_000, reason: up.reason });
  });

  it('repeats a reminder while down when asked', () => {
    const s = { ...base, reminderMs: 120_000 };
    assert.deepEqual(run([down, down, down, down, down, up], s).announced, [
      '0:monitor.down',
      '2:monitor.down:reminder',
      '4:monitor.down:reminder',
      '5:monitor.up',
    ]);
  });

  it('mutes announcements in maintenance and makes up for them when the window closes', () => {
    const { announced, rt } = run([up, down, down, down, up], base, [false, true, true, false, false]);
    assert.deepEqual(announced, ['3:monitor.down', '4:monitor.up']);
    assert.equal(rt.state, 'UP');
    const hidden = run([up, down, up, up], base, [false, true, true, false]);
    assert.deepEqual(hidden.announced, [], 'an outage that began and ended inside the window is not announced');
    assert.equal(run([up, down], base, [false, true]).rt.state, 'MAINTENANCE');
  });

  it('keeps the outage start (its incident key) while down, through a good check that does not recover it', () => {
    const s = { ...base, successThreshold: 3 };
    let rt = afterCheck(initialRuntime(0), down, s, 1000, false).runtime;
    assert.equal(rt.failingSince, 1000);
    rt = afterCheck(rt, up, s, 2000, false).runtime;
    rt = afterCheck(rt, down, s, 3000, false).runtime;
    assert.equal(rt.failingSince, 1000);
    rt = afterCheck(rt, up, s, 4000, false).runtime;
    rt = afterCheck(rt, up, s, 5000, false).runtime;
    assert.deepEqual(afterCheck(rt, up, s, 6000, false).announce, {
      kind: 'monitor.up',
      downForMs: 5000,
      reason: up.reason,
    });
  });

  it('after a crash, a transition needs its full threshold of new checks', () => {
    const s = { ...base, failureThreshold: 2, successThreshold: 3 };
    // Down and announced, two good checks written; the failed check after them was lost in the crash.
    const before = run([down, down, up, up], s).rt;
    assert.equal(before.consecutiveSuccesses, 2);
    const resumed = resumeAfterCrash(before);
    assert.equal(resumed.notified, 'DOWN');
    const d1 = afterCheck(resumed, up, s, 10 * 60_000, false);
    assert.equal(d1.announce, undefined, 'one good check after the restart is not a recovery');
    const d3 = afterCheck(afterCheck(d1.runtime, up, s, 11 * 60_000, false).runtime, up, s, 12 * 60_000, false);
    assert.equal(d3.announce?.kind, 'monitor.up');
    // Up, one failure written: after the restart one more failure is not an outage.
    const upRt = resumeAfterCrash(run([up, up, down], { ...base, failureThreshold: 2 }).rt);
    assert.equal(afterCheck(upRt, down, { ...base, failureThreshold: 2 }, 10 * 60_000, false).announce, undefined);
  });
});
