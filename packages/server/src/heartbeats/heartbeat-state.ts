/**
 * The heartbeat state machine, as pure functions of the runtime, the rules
 * and one input (a ping, or the clock passing a deadline).
 *
 *   NEW ──first run expected──▶ (deadlines apply from creation)
 *   any ──start──▶ STARTED (DOWN stays DOWN)
 *   any ──good run──▶ UP
 *   UP | STARTED | NEW ──expected time passes──▶ LATE
 *   bad run (missed deadline, fail, exit status ≠ 0, ran too long / too
 *   short / too often): the failureTolerance-th in a row ──▶ DOWN
 *   any ──pause──▶ PAUSED ──resume, or a ping unless manualResume──▶ UP/NEW
 *
 * Announcements compare with what was last announced, as monitors do:
 * heartbeat.down once per outage, heartbeat.up only after an announced
 * down; heartbeat.late when asked. A missed run's event carries the
 * deadline, not the moment it was noticed.
 */
import { formatDuration } from '../core/durations.js';
import { nextExpected, typicalGap, type Schedule } from './heartbeat-schedule.js';

export type HeartbeatState = 'NEW' | 'UP' | 'STARTED' | 'LATE' | 'DOWN' | 'PAUSED';

export interface HeartbeatRuntime {
  state: HeartbeatState;
  notified: 'UP' | 'DOWN' | null;
  badRuns: number;
  /** When the next run is expected (LATE from then, a missed run at + grace). */
  expectedAt: number;
  lastPingAt: number | null;
  lastSuccessAt: number | null;
  /** Open runs: start time by run id ('' for pings without rid). */
  starts: Record<string, number>;
  lastReason: string | null;
  stateChangedAt: number;
}

export interface HeartbeatRules {
  schedule: Schedule;
  graceMs: number;
  maxRuntimeMs?: number;
  minRuntimeMs?: number;
  /** true: half the usual gap between runs. */
  tooOften?: boolean | number;
  failureTolerance: number;
  manualResume: boolean;
  alertWhenLate: boolean;
}

export type HeartbeatAnnouncement =
  | { kind: 'heartbeat.down'; reason: string; deadline?: number; exitStatus?: number }
  | { kind: 'heartbeat.up'; reason: string }
  | { kind: 'heartbeat.late'; reason: string; expectedAt: number };

export interface PingInput {
  kind: 'success' | 'start' | 'fail' | 'log';
  at: number;
  rid?: string | null;
  exitStatus?: number | null;
}

export interface HeartbeatDecision {
  runtime: HeartbeatRuntime;
  announce?: HeartbeatAnnouncement;
  /** Start-to-finish of a run that this ping finished. */
  runDurationMs?: number;
  /** True when the ping was ignored (paused with manualResume). */
  ignored?: boolean;
}

const MAX_OPEN_RUNS = 20;

export function initialHeartbeat(rules: HeartbeatRules, now: number, paused = false): HeartbeatRuntime {
  return { state: paused ? 'PAUSED' : 'NEW', notified: null, badRuns: 0, expectedAt: nextExpected(rules.schedule, now), lastPingAt: null, lastSuccessAt: null, starts: {}, lastReason: null, stateChangedAt: now };
}

function withState(rt: HeartbeatRuntime, state: HeartbeatState, now: number): HeartbeatRuntime {
  return state === rt.state ? rt : { ...rt, state, stateChangedAt: now };
}

function good(rt: HeartbeatRuntime, rules: HeartbeatRules, at: number, reason: string): HeartbeatDecision {
  const next = withState({ ...rt, badRuns: 0, lastSuccessAt: at, lastReason: reason, expectedAt: nextExpected(rules.schedule, at) }, 'UP', at);
  if (rt.notified === 'DOWN') return { runtime: { ...next, notified: 'UP' }, announce: { kind: 'heartbeat.up', reason } };
  return { runtime: next };
}

function bad(rt: HeartbeatRuntime, rules: HeartbeatRules, at: number, reason: string, extra: { deadline?: number; exitStatus?: number } = {}): HeartbeatDecision {
  const badRuns = rt.badRuns + 1;
  let next: HeartbeatRuntime = { ...rt, badRuns, lastReason: reason };
  if (badRuns < rules.failureTolerance) {
    next = withState(next, rt.state === 'DOWN' ? 'DOWN' : 'UP', at);
    return { runtime: next };
  }
  next = withState(next, 'DOWN', at);
  if (rt.notified !== 'DOWN') return { runtime: { ...next, notified: 'DOWN' }, announce: { kind: 'heartbeat.down', reason, ...extra } };
  return { runtime: next };
}

/** Applies one ping. */
export function applyPing(prev: HeartbeatRuntime, rules: HeartbeatRules, ping: PingInput): HeartbeatDecision {
  if (prev.state === 'PAUSED' && rules.manualResume) return { runtime: { ...prev, lastPingAt: ping.at }, ignored: true };
  let rt: HeartbeatRuntime = { ...prev, lastPingAt: ping.at };
  if (rt.state === 'PAUSED') rt = withState(rt, rt.lastSuccessAt === null ? 'NEW' : 'UP', ping.at);
  const rid = ping.rid ?? '';
  if (ping.kind === 'log') return { runtime: rt };
  if (ping.kind === 'start') {
    const starts = { ...rt.starts, [rid]: ping.at };
    const keys = Object.keys(starts);
    if (keys.length > MAX_OPEN_RUNS) delete starts[keys.sort((a, b) => starts[a] - starts[b])[0]];
    return { runtime: withState({ ...rt, starts }, rt.state === 'DOWN' ? 'DOWN' : 'STARTED', ping.at) };
  }
  // A finishing ping closes its run: by rid, else the latest start.
  const startKey = rid in rt.starts ? rid : ping.rid ? undefined : Object.keys(rt.starts).sort((a, b) => rt.starts[b] - rt.starts[a])[0];
  const startedAt = startKey === undefined ? undefined : rt.starts[startKey];
  if (startKey !== undefined) {
    const { [startKey]: _closed, ...rest } = rt.starts;
    rt = { ...rt, starts: rest };
  }
  const runDurationMs = startedAt === undefined ? undefined : ping.at - startedAt;
  const exit = ping.exitStatus ?? undefined;
  let d: HeartbeatDecision;
  if (ping.kind === 'fail') {
    d = bad(rt, rules, ping.at, exit !== undefined ? `failed with exit status ${exit}` : 'failed', exit !== undefined ? { exitStatus: exit } : {});
    d.runtime = { ...d.runtime, expectedAt: nextExpected(rules.schedule, ping.at) };
  } else if (rules.minRuntimeMs !== undefined && runDurationMs !== undefined && runDurationMs < rules.minRuntimeMs) {
    d = bad(rt, rules, ping.at, `ran too short: ${formatDuration(runDurationMs)}, expected at least ${formatDuration(rules.minRuntimeMs)}`);
    d.runtime = { ...d.runtime, expectedAt: nextExpected(rules.schedule, ping.at) };
  } else if (tooOftenBy(rt, rules, ping.at) !== undefined) {
    d = bad(rt, rules, ping.at, `ran too often: ${formatDuration(rt.expectedAt - ping.at)} before it was expected`);
  } else {
    d = good(rt, rules, ping.at, runDurationMs !== undefined ? `ran in ${formatDuration(runDurationMs)}` : 'success');
  }
  return { ...d, runDurationMs };
}

function tooOftenBy(rt: HeartbeatRuntime, rules: HeartbeatRules, at: number): number | undefined {
  if (!rules.tooOften || rt.lastSuccessAt === null) return undefined;
  const limit = rules.tooOften === true ? typicalGap(rules.schedule, at) / 2 : rules.tooOften;
  const early = rt.expectedAt - at;
  return early > limit ? early : undefined;
}

/** The next moment the clock must look at this heartbeat, or null (paused). */
export function nextDeadline(rt: HeartbeatRuntime, rules: HeartbeatRules): number | null {
  if (rt.state === 'PAUSED') return null;
  const times = [rt.expectedAt + rules.graceMs];
  if (rt.state !== 'LATE' && rt.state !== 'DOWN') times.push(rt.expectedAt);
  if (rules.maxRuntimeMs !== undefined) for (const s of Object.values(rt.starts)) times.push(s + rules.maxRuntimeMs);
  return Math.min(...times);
}

/** Applies the passing of time up to `now`: runs that ran too long, late and missed runs. */
export function applyDeadlines(prev: HeartbeatRuntime, rules: HeartbeatRules, now: number): HeartbeatDecision[] {
  const out: HeartbeatDecision[] = [];
  let rt = prev;
  if (rt.state === 'PAUSED') return out;
  if (rules.maxRuntimeMs !== undefined) {
    for (const [rid, startedAt] of Object.entries(rt.starts)) {
      const limit = startedAt + rules.maxRuntimeMs;
      if (limit > now) continue;
      const { [rid]: _gone, ...rest } = rt.starts;
      const d = bad({ ...rt, starts: rest }, rules, limit, `ran too long: started ${formatDuration(now - startedAt)} ago, limit ${formatDuration(rules.maxRuntimeMs)}`, { deadline: limit });
      out.push(d);
      rt = d.runtime;
    }
  }
  // Every missed run up to now counts (a long outage of an hourly job is many bad runs, announced once).
  for (let guard = 0; guard < 1000 && rt.expectedAt + rules.graceMs <= now; guard++) {
    const deadline = rt.expectedAt + rules.graceMs;
    const d = bad(rt, rules, deadline, `missed: no ping by ${new Date(deadline).toISOString()}`, { deadline });
    d.runtime = { ...d.runtime, expectedAt: nextExpected(rules.schedule, rt.expectedAt) };
    out.push(d);
    rt = d.runtime;
  }
  if (rt.expectedAt <= now && rt.state !== 'LATE' && rt.state !== 'DOWN') {
    const late = withState(rt, 'LATE', rt.expectedAt);
    out.push(rules.alertWhenLate ? { runtime: late, announce: { kind: 'heartbeat.late', reason: 'late: no ping yet', expectedAt: rt.expectedAt } } : { runtime: late });
    rt = late;
  }
  return out;
}
