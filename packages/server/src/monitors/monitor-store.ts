import type { Kysely, Selectable } from 'kysely';
import type { Database, MonitorStateTable, MonitorTable } from '../db/db-schema.js';
import { upgradeStoredProbe } from './monitor-input.js';
import type { Health, MonitorRuntime, MonitorState } from './monitor-state.js';
import type { Monitor, MonitorWithState } from './monitor-types.js';

type Q = Kysely<Database>;

function toMonitor(r: Selectable<MonitorTable>): Monitor {
  return {
    id: r.id,
    num: r.num,
    name: r.name,
    type: r.type,
    probe: upgradeStoredProbe(JSON.parse(r.probe)),
    description: r.description,
    intervalMs: r.interval_ms,
    timeoutMs: r.timeout_ms,
    failureThreshold: r.failure_threshold,
    successThreshold: r.success_threshold,
    retryIntervalMs: r.retry_interval_ms,
    reminderMs: r.reminder_ms,
    topics: JSON.parse(r.topics),
    tags: JSON.parse(r.tags),
    paused: r.paused === 1,
    locations: r.locations === null ? null : JSON.parse(r.locations),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function monitorRow(m: Monitor): Selectable<MonitorTable> {
  return {
    id: m.id,
    num: m.num,
    name: m.name,
    type: m.type,
    probe: JSON.stringify(m.probe),
    description: m.description,
    interval_ms: m.intervalMs,
    timeout_ms: m.timeoutMs,
    failure_threshold: m.failureThreshold,
    success_threshold: m.successThreshold,
    retry_interval_ms: m.retryIntervalMs,
    reminder_ms: m.reminderMs,
    topics: JSON.stringify(m.topics),
    tags: JSON.stringify(m.tags),
    paused: m.paused ? 1 : 0,
    locations: m.locations === null ? null : JSON.stringify(m.locations),
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

function toRuntime(r: Selectable<MonitorStateTable>): MonitorRuntime {
  return {
    state: r.state as MonitorState,
    health: r.health as Health,
    consecutiveFailures: r.consecutive_failures,
    consecutiveSuccesses: r.consecutive_successes,
    notified: r.notified as MonitorRuntime['notified'],
    failingSince: r.failing_since,
    lastCheckAt: r.last_check_at,
    lastUp: r.last_up === null ? null : r.last_up === 1,
    lastReason: r.last_reason,
    lastLatencyMs: r.last_latency_ms,
    lastNotifiedAt: r.last_notified_at,
    stateChangedAt: r.state_changed_at,
  };
}

function stateRow(monitorId: string, rt: MonitorRuntime, nextCheckAt: number | null): Selectable<MonitorStateTable> {
  return {
    monitor_id: monitorId,
    state: rt.state,
    health: rt.health,
    consecutive_failures: rt.consecutiveFailures,
    consecutive_successes: rt.consecutiveSuccesses,
    notified: rt.notified,
    failing_since: rt.failingSince,
    last_check_at: rt.lastCheckAt,
    last_up: rt.lastUp === null ? null : rt.lastUp ? 1 : 0,
    last_reason: rt.lastReason,
    last_latency_ms: rt.lastLatencyMs,
    last_notified_at: rt.lastNotifiedAt,
    state_changed_at: rt.stateChangedAt,
    next_check_at: nextCheckAt,
  };
}

export function loadAll(q: Q): Promise<MonitorWithState[]> {
  return loadWithStates(q);
}

/** The monitors of `ids` that exist, with their states. */
export async function loadByIds(q: Q, ids: readonly string[]): Promise<MonitorWithState[]> {
  return ids.length === 0 ? [] : loadWithStates(q, ids);
}

/** Monitors with their states, by name: all, or those of `ids`. */
async function loadWithStates(q: Q, ids?: readonly string[]): Promise<MonitorWithState[]> {
  let query = q
    .selectFrom('monitors')
    .innerJoin('monitor_state', 'monitor_state.monitor_id', 'monitors.id')
    .selectAll()
    .orderBy('monitors.name');
  if (ids) query = query.where('monitors.id', 'in', [...ids]);
  const rows = await query.execute();
  return rows.map((r) => ({ monitor: toMonitor(r), runtime: toRuntime(r), nextCheckAt: r.next_check_at }));
}

/** Every monitor's runtime state and next due time, by monitor id. */
export async function loadStates(q: Q): Promise<Map<string, { runtime: MonitorRuntime; nextCheckAt: number | null }>> {
  const rows = await q.selectFrom('monitor_state').selectAll().execute();
  return new Map(rows.map((r) => [r.monitor_id, { runtime: toRuntime(r), nextCheckAt: r.next_check_at }]));
}

/** The number the next monitor gets (monitors are created rarely; the unique index catches a race). */
export async function nextMonitorNum(q: Q): Promise<number> {
  const row = await q
    .selectFrom('monitors')
    .select((eb) => eb.fn.max('num').as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0) + 1;
}

export async function insertMonitor(q: Q, m: Monitor, rt: MonitorRuntime): Promise<void> {
  await q.insertInto('monitors').values(monitorRow(m)).execute();
  await q
    .insertInto('monitor_state')
    .values(stateRow(m.id, rt, null))
    .execute();
}

export async function updateMonitor(q: Q, m: Monitor): Promise<void> {
  const { id: _id, num: _n, created_at: _c, ...rest } = monitorRow(m);
  await q.updateTable('monitors').set(rest).where('id', '=', m.id).execute();
}

export async function deleteMonitor(q: Q, id: string): Promise<void> {
  await q.deleteFrom('monitor_state').where('monitor_id', '=', id).execute();
  await q.deleteFrom('monitors').where('id', '=', id).execute();
}

/**
 * Writes runtime state for many monitors in one transaction (the caller's);
 * returns the ids whose row was there to write (a monitor deleted, or
 * created in a transaction not yet committed, has none).
 */
export async function saveStates(
  q: Q,
  states: readonly { id: string; runtime: MonitorRuntime; nextCheckAt: number | null }[],
): Promise<Set<string>> {
  const written = new Set<string>();
  for (const s of states) {
    const { monitor_id: _m, ...set } = stateRow(s.id, s.runtime, s.nextCheckAt);
    const r = await q.updateTable('monitor_state').set(set).where('monitor_id', '=', s.id).executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) written.add(s.id);
  }
  return written;
}

const CLEAN_STOP_KEY = 'monitors_clean_stop';

/**
 * Whether the last run ended with a clean stop (every state written), and
 * marks this run as running: a crash before the next clean stop leaves the
 * mark unset.
 */
export async function takeCleanStop(q: Q): Promise<boolean> {
  const row = await q.selectFrom('kv').select('value').where('key', '=', CLEAN_STOP_KEY).executeTakeFirst();
  await setCleanStop(q, false);
  return row?.value === '1';
}

/** Marks that every monitor state has been written (at shutdown). */
export async function setCleanStop(q: Q, clean: boolean): Promise<void> {
  const value = clean ? '1' : '0';
  await q
    .insertInto('kv')
    .values({ key: CLEAN_STOP_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
