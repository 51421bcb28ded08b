import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSchedule, nextExpected } from './heartbeat-schedule.js';
import { applyDeadlines, applyPing, initialHeartbeat, nextDeadline, type HeartbeatDecision, type HeartbeatRules, type HeartbeatRuntime, type PingInput } from './heartbeat-state.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function rules(over: Partial<HeartbeatRules> & { cron?: string; tz?: string; period?: number } = {}): HeartbeatRules {
  const schedule = compileSchedule({ cron: over.cron, period: over.period ?? (over.cron ? undefined : HOUR), timezone: over.tz ?? 'UTC' });
  return { schedule, graceMs: 30 * MIN, failureTolerance: 1, manualResume: false, alertWhenLate: false, ...over };
}

/** Drives a heartbeat through pings and clock ticks; collects what it announces. */
class Harness {
  rt: HeartbeatRuntime;
  announced: string[] = [];
  decisions: HeartbeatDecision[] = [];
  constructor(readonly r: HeartbeatRules, readonly created: number) {
    this.rt = initialHeartbeat(r, created);
  }
  private take(ds: HeartbeatDecision[]): void {
    for (const d of ds) {
      this.decisions.push(d);
      this.rt = d.runtime;
      if (d.announce) this.announced.push(`${d.announce.kind}${d.announce.kind === 'heartbeat.down' ? `: ${d.announce.reason}` : ''}`);
    }
  }
  /** Moves the clock to `t`, firing every deadline on the way, as the scheduler does. */
  tickTo(t: number): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const at = nextDeadline(this.rt, this.r);
      if (at === null || at > t) break;
      this.take(applyDeadlines(this.rt, this.r, at));
    }
  }
  ping(p: PingInput): HeartbeatDecision {
    this.tickTo(p.at);
    const d = applyPing(this.rt, this.r, p);
    this.take([d]);
    return d;
  }
}

describe('heartbeat state machine', () => {
  it('cron 0 3 * * * in Asia/Tokyo, grace 30 min: one down at 03:30 JST carrying the deadline, then up', () => {
    const created = Date.parse('2026-06-01T12:00:00+09:00');
    const h = new Harness(rules({ cron: '0 3 * * *', tz: 'Asia/Tokyo' }), created);
    h.tickTo(Date.parse('2026-06-02T03:29:59+09:00'));
    assert.deepEqual(h.announced, []);
    assert.equal(h.rt.state, 'LATE');
    h.tickTo(Date.parse('2026-06-02T09:00:00+09:00'));
    assert.equal(h.announced.length, 1);
    const down = h.decisions.find((d) => d.announce)!.announce!;
    assert.equal(down.kind, 'heartbeat.down');
    assert.equal((down as { deadline: number }).deadline, Date.parse('2026-06-02T03:30:00+09:00'), 'the deadline, not the moment of detection');
    assert.equal(new Date((down as { deadline: number }).deadline).toISOString(), '2026-06-01T18:30:00.000Z');
    h.ping({ kind: 'success', at: Date.parse('2026-06-02T09:05:00+09:00') });
    assert.deepEqual(h.announced.slice(1), ['heartbeat.up']);
    assert.equal(h.rt.state, 'UP');
    assert.equal(h.rt.expectedAt, Date.parse('2026-06-03T03:00:00+09:00'));
  });

  it('fail and exit status 1 give a down carrying the status', () => {
    const h = new Harness(rules(), 0);
    h.ping({ kind: 'success', at: 10 * MIN });
    const d = h.ping({ kind: 'fail', at: 20 * MIN, exitStatus: 1 });
    assert.deepEqual(d.announce, { kind: 'heartbeat.down', reason: 'failed with exit status 1', exitStatus: 1 });
    h.ping({ kind: 'success', at: 30 * MIN });
    const f = h.ping({ kind: 'fail', at: 40 * MIN });
    assert.deepEqual(f.announce, { kind: 'heartbeat.down', reason: 'failed' });
  });

  it('a start with no finish past maxRuntime fails as ran too long', () => {
    const h = new Harness(rules({ maxRuntimeMs: 10 * MIN }), 0);
    h.ping({ kind: 'start', at: MIN });
    assert.equal(h.rt.state, 'STARTED');
    h.tickTo(10 * MIN);
    assert.deepEqual(h.announced, []);
    h.tickTo(11 * MIN);
    assert.equal(h.announced.length, 1);
    assert.match(h.announced[0], /ran too long/);
  });

  it('failureTolerance 3 alerts on the third bad run in a row and not before', () => {
    const h = new Harness(rules({ failureTolerance: 3 }), 0);
    h.ping({ kind: 'fail', at: MIN, exitStatus: 2 });
    h.ping({ kind: 'fail', at: 2 * MIN, exitStatus: 2 });
    assert.deepEqual(h.announced, []);
    h.ping({ kind: 'success', at: 3 * MIN });
    h.ping({ kind: 'fail', at: 4 * MIN });
    h.ping({ kind: 'fail', at: 5 * MIN });
    assert.deepEqual(h.announced, [], 'a good run resets the count');
    h.ping({ kind: 'fail', at: 6 * MIN, exitStatus: 9 });
    assert.deepEqual(h.announced, ['heartbeat.down: failed with exit status 9']);
  });

  it('measures runs by rid, else from the latest start, and fails one that ran too short', () => {
    const h = new Harness(rules({ minRuntimeMs: 5 * MIN }), 0);
    h.ping({ kind: 'start', at: MIN, rid: 'a' });
    h.ping({ kind: 'start', at: 2 * MIN, rid: 'b' });
    assert.equal(h.ping({ kind: 'success', at: 9 * MIN, rid: 'a' }).runDurationMs, 8 * MIN);
    const short = h.ping({ kind: 'success', at: 4 * MIN + 2 * MIN, rid: 'b' });
    assert.equal(short.runDurationMs, 4 * MIN);
    assert.match(h.announced[0], /ran too short/);
    h.ping({ kind: 'start', at: 20 * MIN });
    assert.equal(h.ping({ kind: 'success', at: 27 * MIN }).runDurationMs, 7 * MIN);
  });

  it('a success much earlier than expected ran too often', () => {
    const h = new Harness(rules({ period: 24 * HOUR, tooOften: true }), 0);
    h.ping({ kind: 'success', at: HOUR });
    h.ping({ kind: 'success', at: 2 * HOUR });
    assert.match(h.announced[0], /ran too often/);
  });

  it('announces late when asked, and never while paused; manualResume keeps the pause', () => {
    const h = new Harness(rules({ alertWhenLate: true, manualResume: true }), 0);
    h.tickTo(HOUR + MIN);
    assert.deepEqual(h.announced, ['heartbeat.late']);
    h.rt = { ...h.rt, state: 'PAUSED' };
    h.tickTo(10 * HOUR);
    assert.deepEqual(h.announced, ['heartbeat.late']);
    assert.equal(h.ping({ kind: 'success', at: 10 * HOUR }).ignored, true);
    assert.equal(h.rt.state, 'PAUSED');
    const free = new Harness(rules(), 0);
    free.rt = { ...free.rt, state: 'PAUSED' };
    free.ping({ kind: 'success', at: MIN });
    assert.equal(free.rt.state, 'UP', 'without manualResume a ping lifts the pause');
  });

  it('counts a long outage as many missed runs but announces it once', () => {
    const h = new Harness(rules(), 0);
    h.tickTo(10 * HOUR);
    assert.equal(h.announced.length, 1);
    assert.ok(h.rt.badRuns >= 9);
  });

  it('follows New York across DST: 02:30 on the spring-forward day runs at 03:30 EDT; 01:30 on the fall-back day runs once', () => {
    const spring = compileSchedule({ cron: '30 2 * * *', timezone: 'America/New_York' });
    assert.equal(new Date(nextExpected(spring, Date.parse('2026-03-08T00:00:00-05:00'))).toISOString(), '2026-03-08T07:30:00.000Z');
    assert.equal(new Date(nextExpected(spring, Date.parse('2026-03-08T07:30:00Z'))).toISOString(), '2026-03-09T06:30:00.000Z');
    const fall = compileSchedule({ cron: '30 1 * * *', timezone: 'America/New_York' });
    const first = nextExpected(fall, Date.parse('2026-10-31T12:00:00Z'));
    assert.equal(new Date(first).toISOString(), '2026-11-01T05:30:00.000Z', '01:30 EDT, the first of the two 01:30s');
    assert.equal(new Date(nextExpected(fall, first)).toISOString(), '2026-11-02T06:30:00.000Z', 'not again at 01:30 EST');
    const h = new Harness(rules({ cron: '30 2 * * *', tz: 'America/New_York', graceMs: 15 * MIN }), Date.parse('2026-03-07T12:00:00Z'));
    h.ping({ kind: 'success', at: Date.parse('2026-03-07T07:31:00Z') + 24 * HOUR - HOUR });
    h.tickTo(Date.parse('2026-03-08T07:44:00Z'));
    assert.deepEqual(h.announced, []);
    h.tickTo(Date.parse('2026-03-08T07:46:00Z'));
    assert.equal(h.announced.length, 1, 'missed at 03:45 EDT');
  });
});
