/**
 * What an alarm's change of state writes, in one transaction: its new state, its history (the change, a
 * suppression) and the deliveries of its actions, so that a crash never leaves a state change without its
 * notifications, nor notifications of a change that was not stored.
 *
 * In a cluster (PostgreSQL) two checks come first, and either refuses the whole write:
 * - the fence: an evaluation's transaction holds the lease token it took when it started; a node that lost
 *   the alarm's partition meanwhile writes nothing (FencedWrite);
 * - compare-and-set: the state row must still hold the state the change started from; a change by hand
 *   through another node (or a previous owner's last write) came first (StaleAlarmState), so the caller
 *   reloads the row instead of notifying a change from a state that is no longer the alarm's.
 * A written change is announced to the other nodes when it commits (the change bus).
 */
import type { AlarmAction, EventInput } from '@tocsin/protocol';
import type { Kysely } from 'kysely';
import type { ChangeBus } from '../cluster/change-bus.js';
import type { Fence, LeaseToken } from '../cluster/fence.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { AlarmSpec } from '@tocsin/protocol';
import { queueActions, startRuns, type ActionSinks } from './alarm-actions.js';
import type { AlarmState } from './alarm-evaluator.js';
import * as store from './alarm-store.js';

/** The change-bus topic of alarms: definitions and states. */
export const ALARMS_TOPIC = 'alarms';

/** The lease of the alarm's partition is no longer this node's: the write was refused. */
export class FencedWrite extends Error {
  constructor(alarm: string) {
    super(`alarm '${alarm}': its partition's lease is no longer held here`);
    this.name = 'FencedWrite';
  }
}

/** The alarm's row no longer holds the state the change started from (or is gone): the write was refused. */
export class StaleAlarmState extends Error {
  constructor(alarm: string) {
    super(`alarm '${alarm}' changed on another node`);
    this.name = 'StaleAlarmState';
  }
}

/** How a write is guarded in a cluster (on one node the fence holds everything and the bus tells no one). */
export interface TransitionGuard {
  fence: Fence;
  changes: ChangeBus;
  /** The token an evaluation took when it started; null for a change by hand (any node serves the API). */
  token: LeaseToken | null;
  /** The state the change started from, as in memory. */
  from: store.StateSeen;
}

export interface TransitionWrite {
  old: AlarmState;
  next: AlarmState;
  reason: string;
  datapoints: { time: string; value: number | null }[];
  at: number;
  /** When it was last evaluated (a change by hand keeps the time of the last evaluation). */
  evaluatedAt: number | null;
  /** The event the actions deliver. */
  event: EventInput;
  actions: readonly AlarmAction[];
  /** Why the actions did not run (a composite's suppressor), recorded in the history. */
  suppressed?: string;
}

type AlarmRef = { id: string; spec: AlarmSpec };

async function holdFence(trx: Kysely<Database>, alarm: AlarmRef, g: TransitionGuard): Promise<void> {
  if (g.token === null) return;
  const held = await g.fence.hold(trx, [g.token]);
  if (!held.has(g.token)) throw new FencedWrite(alarm.spec.name);
}

/** Stores a change of state with its history and queues its actions; throws FencedWrite or StaleAlarmState. */
export async function writeTransition(
  db: Kysely<Database>,
  sinks: ActionSinks,
  alarm: AlarmRef,
  w: TransitionWrite,
  guard: TransitionGuard,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await holdFence(trx, alarm, guard);
    const saved = await store.saveAlarmState(trx, alarm.id, guard.from, {
      state: w.next,
      reason: w.reason,
      stateChangedAt: w.at,
      evaluatedAt: w.evaluatedAt,
    });
    if (!saved) throw new StaleAlarmState(alarm.spec.name);
    const base = { alarm_id: alarm.id, at: w.at, old_state: w.old, new_state: w.next };
    const history: store.HistoryRow[] = [
      {
        ...base,
        id: uuidv7(w.at),
        kind: 'state',
        summary: `Alarm updated from ${w.old} to ${w.next}`,
        data: JSON.stringify({ reason: w.reason, datapoints: w.datapoints }),
      },
    ];
    if (w.suppressed !== undefined)
      history.push({ ...base, id: uuidv7(w.at), kind: 'action', summary: `Actions ${w.suppressed}`, data: '{}' });
    history.push(...(await queueActions(trx, sinks, alarm.spec.name, w.actions, w.event, base)));
    await store.insertHistory(trx, history);
    await guard.changes.publish(trx, ALARMS_TOPIC, [alarm.id]);
  });
  sinks.live?.({ type: 'alarm', name: alarm.spec.name, state: w.next, at: w.at, reason: w.reason });
  startRuns(sinks, alarm.spec, w.actions, sinks.warn ?? (() => {}));
}

/**
 * Queues the actions of a state that is not new (a composite whose wait period passed without its suppressor);
 * throws FencedWrite or StaleAlarmState (the state is no longer the one the actions were held for).
 */
export async function writeDelayedActions(
  db: Kysely<Database>,
  sinks: ActionSinks,
  alarm: AlarmRef,
  delayed: { event: EventInput; actions: readonly AlarmAction[]; state: AlarmState; at: number },
  guard: TransitionGuard,
): Promise<void> {
  const { event, actions, state, at } = delayed;
  await db.transaction().execute(async (trx) => {
    await holdFence(trx, alarm, guard);
    if (!(await store.touchAlarmState(trx, alarm.id, guard.from, at))) throw new StaleAlarmState(alarm.spec.name);
    const base = { alarm_id: alarm.id, at, old_state: state, new_state: state };
    const rows = await queueActions(trx, sinks, alarm.spec.name, actions, event, base, ' after the wait period');
    await store.insertHistory(trx, rows);
  });
  startRuns(sinks, alarm.spec, actions, sinks.warn ?? (() => {}));
}
