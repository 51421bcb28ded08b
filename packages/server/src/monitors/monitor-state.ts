/**
 * The monitor state machine, as a pure function of the last state and one
 * check result.
 *
 * Health (what the checks say):
 *   PENDING ──failureThreshold failures in a row──▶ DOWN
 *   PENDING | DOWN ──successThreshold successes in a row──▶ UP
 *   UP ──failureThreshold failures in a row──▶ DOWN
 * Shown state: PAUSED while paused (no checks), MAINTENANCE while a window
 * is open (checks run, health is tracked, nothing is announced), else health.
 *
 * Notifications compare health with what was last announced (`notified`):
 * DOWN not yet announced → monitor.down; UP after an announced DOWN →
 * monitor.up. So a monitor that is down from the start notifies once, a
 * first UP is not news, a restart (state is stored with the announcement in
 * one transaction) neither repeats nor loses one, and a change hidden by a
 * maintenance window is announced when the window closes. While DOWN, an
 * optional reminder repeats monitor.down every `reminderMs`.
 *
 * After a crash the streak counters are not trusted (a check the target
 * answered may never have been written): `resumeAfterCrash` zeroes them,
 * so every transition after a restart rests on thresholds of checks made
 * since, and none is invented from a stale count. Health and what was
 * announced are exact: they commit with their notification.
 */
export type Health = 'PENDING' | 'UP' | 'DOWN';
export type MonitorState = Health | 'PAUSED' | 'MAINTENANCE';

export interface MonitorRuntime {
  state: MonitorState;
  health: Health;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** The last health announced by an event, null before any. */
  notified: 'UP' | 'DOWN' | null;
  /** Time of the first failed check of the current failing streak. */
  failingSince: number | null;
  lastCheckAt: number | null;
  lastUp: boolean | null;
  lastReason: string | null;
  lastLatencyMs: number | null;
  lastNotifiedAt: number | null;
  stateChangedAt: number;
}

export interface CheckOutcome {
  up: boolean;
  reason: string;
  latencyMs: number;
}

export interface StateSettings {
  failureThreshold: number;
  successThreshold: number;
  intervalMs: number;
  /** Check sooner while failing but not yet DOWN. */
  retryIntervalMs?: number;
  /** Repeat monitor.down this often while DOWN; off when undefined. */
  reminderMs?: number;
}

export type Announcement =
  | { kind: 'monitor.down'; reason: string; failingSince: number; reminder: boolean }
  | { kind: 'monitor.up'; downForMs: number; reason: string };

export interface Decision {
  runtime: MonitorRuntime;
  announce?: Announcement;
  /** Milliseconds until the next check. */
  nextCheckInMs: number;
  /** True when anything other than the last-check fields changed (worth writing at once). */
  transition: boolean;
}

export function initialRuntime(now: number, paused = false): MonitorRuntime {
  return {
    state: paused ? 'PAUSED' : 'PENDING',
    health: 'PENDING',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    notified: null,
    failingSince: null,
    lastCheckAt: null,
    lastUp: null,
    lastReason: null,
    lastLatencyMs: null,
    lastNotifiedAt: null,
    stateChangedAt: now,
  };
}

/** The state to resume from after a crash: streaks start again (see the top of this file). */
export function resumeAfterCrash(rt: MonitorRuntime): MonitorRuntime {
  return { ...rt, consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

export function afterCheck(
  prev: MonitorRuntime,
  result: CheckOutcome,
  settings: StateSettings,
  now: number,
  inMaintenance: boolean,
): Decision {
  const rt: MonitorRuntime = {
    ...prev,
    lastCheckAt: now,
    lastUp: result.up,
    lastReason: result.reason,
    lastLatencyMs: result.latencyMs,
  };
  if (result.up) {
    rt.consecutiveSuccesses = prev.consecutiveSuccesses + 1;
    rt.consecutiveFailures = 0;
    if (rt.health !== 'UP' && rt.consecutiveSuccesses >= settings.successThreshold) {
      rt.health = 'UP';
      rt.failingSince = null;
    } else if (rt.health === 'UP') rt.failingSince = null;
  } else {
    rt.consecutiveFailures = prev.consecutiveFailures + 1;
    rt.consecutiveSuccesses = 0;
    // While DOWN the outage keeps its start (its incident key), whatever good checks came between.
    rt.failingSince =
      prev.health === 'DOWN' && prev.failingSince !== null
        ? prev.failingSince
        : prev.consecutiveFailures === 0
          ? now
          : (prev.failingSince ?? now);
    if (rt.health !== 'DOWN' && rt.consecutiveFailures >= settings.failureThreshold) rt.health = 'DOWN';
  }
  rt.state = inMaintenance ? 'MAINTENANCE' : rt.health;
  if (rt.state !== prev.state) rt.stateChangedAt = now;

  let announce: Announcement | undefined;
  if (!inMaintenance) {
    if (rt.health === 'DOWN' && rt.notified !== 'DOWN') {
      announce = { kind: 'monitor.down', reason: result.reason, failingSince: rt.failingSince ?? now, reminder: false };
    } else if (rt.health === 'UP' && rt.notified === 'DOWN') {
      announce = {
        kind: 'monitor.up',
        downForMs: now - (prev.failingSince ?? prev.stateChangedAt),
        reason: result.reason,
      };
    } else if (
      rt.health === 'DOWN' &&
      settings.reminderMs &&
      rt.lastNotifiedAt !== null &&
      now - rt.lastNotifiedAt >= settings.reminderMs
    ) {
      announce = { kind: 'monitor.down', reason: result.reason, failingSince: rt.failingSince ?? now, reminder: true };
    }
  }
  if (announce) {
    rt.notified = announce.kind === 'monitor.down' ? 'DOWN' : 'UP';
    rt.lastNotifiedAt = now;
  }
  const failingNotDown = !result.up && rt.health !== 'DOWN';
  const recovering = result.up && rt.health === 'DOWN';
  const nextCheckInMs =
    (failingNotDown || recovering) && settings.retryIntervalMs ? settings.retryIntervalMs : settings.intervalMs;
  const transition = announce !== undefined || rt.state !== prev.state || rt.health !== prev.health;
  return { runtime: rt, announce, nextCheckInMs, transition };
}
