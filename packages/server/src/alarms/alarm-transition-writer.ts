/**
 * What an alarm's change of state writes, in one transaction: its new state, its history (the change, a
 * suppression) and the deliveries of its actions, so that a crash never leaves a state change without its
 * notifications, nor notifications of a change that was not stored.
 */
import type { AlarmAction, EventInput } from '@tocsin/protocol';
import type { Kysely } from 'kysely';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import { queueActions, type ActionSinks } from './alarm-actions.js';
import type { AlarmState } from './alarm-evaluator.js';
import * as store from './alarm-store.js';

export interface TransitionWrite {
  old: AlarmState;
  next: AlarmState;
  reason: string;
  datapoints: { time: string; value: number | null }[];
  at: number;
  /** The event the actions deliver. */
  event: EventInput;
  actions: readonly AlarmAction[];
  /** Why the actions did not run (a composite's suppressor), recorded in the history. */
  suppressed?: string;
}

/** Stores a change of state with its history and queues its actions. */
export async function writeTransition(
  db: Kysely<Database>,
  sinks: ActionSinks,
  alarm: { id: string; spec: { name: string } },
  w: TransitionWrite,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await store.saveAlarmState(trx, alarm.id, {
      state: w.next,
      reason: w.reason,
      stateChangedAt: w.at,
      evaluatedAt: w.at,
    });
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
  });
}

/** Queues the actions of a state that is not new (a composite whose wait period passed without its suppressor). */
export async function writeDelayedActions(
  db: Kysely<Database>,
  sinks: ActionSinks,
  alarm: { id: string; spec: { name: string } },
  event: EventInput,
  actions: readonly AlarmAction[],
  state: AlarmState,
  at: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const base = { alarm_id: alarm.id, at, old_state: state, new_state: state };
    const rows = await queueActions(trx, sinks, alarm.spec.name, actions, event, base, ' after the wait period');
    await store.insertHistory(trx, rows);
  });
}
