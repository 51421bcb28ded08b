/**
 * The heartbeat state machine, as pure functions of the runtime, the rules
 * and one input: a ping, or the clock reaching nextDeadline().
 *
 * States: NEW (no good run yet), UP, STARTED (a run is open), LATE (past the
 * expected time, within the grace), DOWN, PAUSED (no deadlines; the service
 * pauses and resumes).
 *
 *   NEW | UP | LATE ──start──▶ STARTED          (DOWN stays DOWN until a good run)
 *   any ──good run──▶ UP                        (success or exit status 0, not too short, not too often)
 *   NEW | UP ──expectedAt passes, no run open──▶ LATE   (heartbeat.late when alertWhenLate)
 *   any ──bad run──▶ DOWN on the failureTolerance-th bad run in a row;
 *                    before that UP (NEW before any good run), STARTED while a run is open
 *   PAUSED ──a ping other than log──▶ NEW | UP, then the ping applies; with
 *            manualResume pings change nothing
 *
 * Bad runs: missed (expectedAt + grace passes with no run open; the event
 * carries that deadline), failed (fail, or exit status 1–255), ran too long
 * (an open run not finished by start + maxRuntime, or start + grace without
 * maxRuntime, as Healthchecks does; a tick at that time), ran too short
 * (finished sooner than minRuntime after its start), ran too often (see
 * tooOftenBy). A good run resets the count.
 *
 * Slots: expectedAt is the next scheduled time after the last run that
 * settled one. A finished run, a run that ran too long and a missed deadline
 * each settle a slot (expectedAt moves past their time); a run that ran too
 * often does not (the real run is still due). While a run is open its own
 * limit replaces the missed deadline, so a slow run that started on time is
 * judged by maxRuntime, not reported missed.
 *
 * Announcements compare with what was last announced (`notified`), as
 * monitors do: heartbeat.down once per outage, heartbeat.up only after an
 * announced down; the runtime is stored with its announcement in one
 * transaction, so a restart neither repeats nor loses one.
 */
import { formatDuration } from '../core/durations.js';
import { NEVER, nextExpected, typicalGap, type Schedule } from './heartbeat-schedule.js';

export type HeartbeatState = 'NEW' | 'UP' | 'STARTED' | 'LATE' | 'DOWN' | 'PAUSED';

/** Stored as JSON with the heartbeat: fields may be added, never renamed. */
export interface HeartbeatRuntime {
  state: HeartbeatState;
  notified: 'UP' | 'DOWN' | null;
  /** Bad runs in a row. */
  badRuns: number;
  /** When the next run is expected (LATE from then, missed at + grace). */
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
  /** A duration in ms, or true for half the usual gap between runs. */
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
  /** 0–255; 0 is a success whatever the kind. */
  exitStatus?: number | null;
}

export interface HeartbeatDecision {
  runtime: HeartbeatRuntime;
  announce?: HeartbeatAnnouncement;
  /** When the clock must look again (applyDeadlines), or null: nextDeadline(runtime). */
  nextDeadline: number | null;
  /** Start-to-finish of the run this ping finished: by rid, else from the latest start. */
  runDurationMs?: number;
  /** True when the ping was ignored (paused with manualResume). */
  ignored?: boolean;
}

const MAX_OPEN_RUNS = 20;

export function initialHeartbeat(rules: HeartbeatRules, now: number, paused = false): HeartbeatRuntime {
  return {
    state: paused ? 'PAUSED' : 'NEW',
    notified: null,
    badRuns: 0,
    expectedAt: nextExpected(rules.schedule, now),
    lastPingAt: null,
    lastSuccessAt: null,
    starts: {},
    lastReason: null,
    stateChangedAt: now,
  };
}

/**
 * The next moment the clock must look at this heartbeat (LATE time, missed deadline or end of an open run), or
 * null.
 */
export function nextDeadline(rt: HeartbeatRuntime, rules: HeartbeatRules): number | null {
  if (rt.state === 'PAUSED') return null;
  const open = Object.values(rt.starts);
  if (open.length) return Math.min(...open) + runLimitMs(rules);
  const at = rt.state === 'LATE' || rt.state === 'DOWN' ? rt.expectedAt + rules.graceMs : rt.expectedAt;
  return at >= NEVER ? null : at;
}

/** Applies one ping. Apply passed deadlines first (applyDeadlines up to the ping's time). */
export function applyPing(prev: HeartbeatRuntime, rules: HeartbeatRules, ping: PingInput): HeartbeatDecision {
  if (prev.state === 'PAUSED' && rules.manualResume)
    return decide({ ...prev, lastPingAt: ping.at }, rules, { ignored: true });
  let rt: HeartbeatRuntime = { ...prev, lastPingAt: ping.at };
  if (ping.kind === 'log') return decide(rt, rules);
  if (rt.state === 'PAUSED') rt = withState(rt, rt.lastSuccessAt === null ? 'NEW' : 'UP', ping.at);
  const exit = ping.exitStatus ?? undefined;
  if (ping.kind === 'start')
    return decide(
      withState(openRun(rt, ping.rid ?? '', ping.at), rt.state === 'DOWN' ? 'DOWN' : 'STARTED', ping.at),
      rules,
    );
  const { runtime, startedAt } = closeRun(rt, ping.rid ?? undefined);
  const runDurationMs = startedAt === undefined ? undefined : ping.at - startedAt;
  const at = ping.at;
  const slotAfter = nextExpected(rules.schedule, at);
  let d: HeartbeatDecision;
  if (ping.kind === 'fail' && exit !== 0) {
    d = bad(
      runtime,
      rules,
      at,
      exit !== undefined ? `failed with exit status ${exit}` : 'failed',
      exit !== undefined ? { exitStatus: exit } : {},
      slotAfter,
    );
  } else if (rules.minRuntimeMs !== undefined && runDurationMs !== undefined && runDurationMs < rules.minRuntimeMs) {
    d = bad(
      runtime,
      rules,
      at,
      `ran too short: ${formatDuration(runDurationMs)}, expected at least ${formatDuration(rules.minRuntimeMs)}`,
      {},
      slotAfter,
    );
  } else {
    const early = tooOftenBy(runtime, rules, at);
    if (early !== undefined)
      d = bad(
        runtime,
        rules,
        at,
        `ran too often: ${formatDuration(early)} ` +
          `before its expected time ${new Date(runtime.expectedAt).toISOString()}`,
        {},
        runtime.expectedAt,
      );
    else
      d = good(runtime, rules, at, runDurationMs !== undefined ? `ran in ${formatDuration(runDurationMs)}` : 'success');
  }
  return runDurationMs === undefined ? d : { ...d, runDurationMs };
}

/**
 * Applies the passing of time up to `now`, in order: open runs that ran too
 * long, then (with no run open) every missed run, then LATE. Each decision is
 * dated at its deadline.
 */
export function applyDeadlines(prev: HeartbeatRuntime, rules: HeartbeatRules, now: number): HeartbeatDecision[] {
  if (prev.state === 'PAUSED') return [];
  const out: HeartbeatDecision[] = [];
  let rt = prev;
  const limit = runLimitMs(rules);
  for (const [rid, startedAt] of Object.entries(rt.starts).sort((a, b) => a[1] - b[1])) {
    const end = startedAt + limit;
    if (end > now) break;
    const { [rid]: _timedOut, ...rest } = rt.starts;
    const within =
      rules.maxRuntimeMs !== undefined
        ? `maxRuntime ${formatDuration(limit)}`
        : `the grace time ${formatDuration(limit)} (no maxRuntime)`;
    const d = bad(
      { ...rt, starts: rest },
      rules,
      end,
      `ran too long: not finished within ${within} of its start at ${new Date(startedAt).toISOString()}`,
      { deadline: end },
      nextExpected(rules.schedule, end),
    );
    out.push(d);
    rt = d.runtime;
  }
  if (Object.keys(rt.starts).length) return out;
  // Every missed run counts (an hourly job down for a day is 24 bad runs, announced once).
  for (let guard = 0; guard < 1000 && rt.expectedAt + rules.graceMs <= now; guard++) {
    const deadline = rt.expectedAt + rules.graceMs;
    const d = bad(
      rt,
      rules,
      deadline,
      `missed: expected at ${new Date(rt.expectedAt).toISOString()}, no ping by ${new Date(deadline).toISOString()}`,
      { deadline },
      nextExpected(rules.schedule, rt.expectedAt),
    );
    out.push(d);
    rt = d.runtime;
  }
  if (rt.expectedAt <= now && rt.state !== 'LATE' && rt.state !== 'DOWN') {
    const late = withState(rt, 'LATE', rt.expectedAt);
    out.push(
      decide(
        late,
        rules,
        rules.alertWhenLate
          ? { announce: { kind: 'heartbeat.late', reason: 'late: no ping yet', expectedAt: rt.expectedAt } }
          : {},
      ),
    );
  }
  return out;
}

/**
 * "Ran too often": a success that comes more than `tooOften` before
 * expectedAt (the next scheduled time after the last settled run), once the
 * heartbeat has had a good run; `true` is half the usual gap between runs.
 * Returns how early it came, or undefined.
 */
function tooOftenBy(rt: HeartbeatRuntime, rules: HeartbeatRules, at: number): number | undefined {
  if (!rules.tooOften || rt.lastSuccessAt === null) return undefined;
  const limit = rules.tooOften === true ? typicalGap(rules.schedule, at) / 2 : rules.tooOften;
  const early = rt.expectedAt - at;
  return early > limit ? early : undefined;
}

function runLimitMs(rules: HeartbeatRules): number {
  return rules.maxRuntimeMs ?? rules.graceMs;
}

function decide(
  runtime: HeartbeatRuntime,
  rules: HeartbeatRules,
  extra: Partial<Omit<HeartbeatDecision, 'runtime' | 'nextDeadline'>> = {},
): HeartbeatDecision {
  return { runtime, ...extra, nextDeadline: nextDeadline(runtime, rules) };
}

function withState(rt: HeartbeatRuntime, state: HeartbeatState, now: number): HeartbeatRuntime {
  return state === rt.state ? rt : { ...rt, state, stateChangedAt: now };
}

/** The state of a heartbeat that is not DOWN: STARTED while a run is open. */
function calm(rt: HeartbeatRuntime): HeartbeatState {
  if (Object.keys(rt.starts).length) return 'STARTED';
  return rt.lastSuccessAt === null ? 'NEW' : 'UP';
}

function openRun(rt: HeartbeatRuntime, rid: string, at: number): HeartbeatRuntime {
  const starts = { ...rt.starts, [rid]: at };
  const keys = Object.keys(starts);
  if (keys.length > MAX_OPEN_RUNS) delete starts[keys.sort((a, b) => starts[a] - starts[b])[0]];
  return { ...rt, starts };
}

/** Closes the run a finishing ping ends: its rid's, or without rid the latest start. */
function closeRun(rt: HeartbeatRuntime, rid: string | undefined): { runtime: HeartbeatRuntime; startedAt?: number } {
  const key =
    rid !== undefined
      ? rid in rt.starts
        ? rid
        : undefined
      : Object.keys(rt.starts).sort((a, b) => rt.starts[b] - rt.starts[a])[0];
  if (key === undefined) return { runtime: rt };
  const { [key]: startedAt, ...rest } = rt.starts;
  return { runtime: { ...rt, starts: rest }, startedAt };
}

function good(rt: HeartbeatRuntime, rules: HeartbeatRules, at: number, reason: string): HeartbeatDecision {
  const next: HeartbeatRuntime = {
    ...rt,
    badRuns: 0,
    lastSuccessAt: at,
    lastReason: reason,
    expectedAt: nextExpected(rules.schedule, at),
  };
  const runtime = withState(next, Object.keys(next.starts).length ? 'STARTED' : 'UP', at);
  if (rt.notified === 'DOWN')
    return decide({ ...runtime, notified: 'UP' }, rules, { announce: { kind: 'heartbeat.up', reason } });
  return decide(runtime, rules);
}

/** One bad run at `at`; `expectedAt` is the slot expected next. */
function bad(
  rt: HeartbeatRuntime,
  rules: HeartbeatRules,
  at: number,
  reason: string,
  extra: { deadline?: number; exitStatus?: number },
  expectedAt: number,
): HeartbeatDecision {
  const next: HeartbeatRuntime = { ...rt, badRuns: rt.badRuns + 1, lastReason: reason, expectedAt };
  if (next.badRuns < rules.failureTolerance)
    return decide(withState(next, rt.state === 'DOWN' ? 'DOWN' : calm(next), at), rules);
  const down = withState(next, 'DOWN', at);
  if (rt.notified === 'DOWN') return decide(down, rules);
  return decide({ ...down, notified: 'DOWN' }, rules, { announce: { kind: 'heartbeat.down', reason, ...extra } });
}
