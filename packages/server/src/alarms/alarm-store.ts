import type { Kysely, Selectable } from 'kysely';
import type { AlarmHistoryTable, AlarmTable, Database } from '../db/db-schema.js';

type Q = Kysely<Database>;
export type AlarmRow = Selectable<AlarmTable>;
export type HistoryRow = Selectable<AlarmHistoryTable>;

export async function listAlarms(q: Q): Promise<AlarmRow[]> {
  return q.selectFrom('alarms').selectAll().orderBy('name').execute();
}

export async function insertAlarm(q: Q, row: AlarmRow): Promise<void> {
  await q.insertInto('alarms').values(row).execute();
}

export async function updateAlarmSpec(q: Q, id: string, spec: string, now: number): Promise<void> {
  await q.updateTable('alarms').set({ spec, updated_at: now }).where('id', '=', id).execute();
}

/** The alarms of `ids` that exist (a notice from another node, partitions taken over). */
export async function loadAlarms(q: Q, ids: readonly string[]): Promise<AlarmRow[]> {
  const out: AlarmRow[] = [];
  // In slices: a statement's parameters are limited (PostgreSQL: 65535, SQLite: 32766).
  for (let i = 0; i < ids.length; i += 1000)
    out.push(
      ...(await q
        .selectFrom('alarms')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + 1000))
        .execute()),
    );
  return out;
}

/** The state a change starts from: the row must still hold it for the change to be written. */
export interface StateSeen {
  state: string;
  stateChangedAt: number;
}

/**
 * Writes a new state if the row still holds the state `from` (compare-and-set: another node may have changed it
 * meanwhile); false when it does not, or is gone.
 */
export async function saveAlarmState(
  q: Q,
  id: string,
  from: StateSeen,
  s: { state: string; reason: string; stateChangedAt: number; evaluatedAt: number | null },
): Promise<boolean> {
  const r = await q
    .updateTable('alarms')
    .set({ state: s.state, reason: s.reason, state_changed_at: s.stateChangedAt, evaluated_at: s.evaluatedAt })
    .where('id', '=', id)
    .where('state', '=', from.state)
    .where('state_changed_at', '=', from.stateChangedAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Marks an evaluation if the row still holds the state `from` (and locks it until the transaction ends). */
export async function touchAlarmState(q: Q, id: string, from: StateSeen, evaluatedAt: number): Promise<boolean> {
  const r = await q
    .updateTable('alarms')
    .set({ evaluated_at: evaluatedAt })
    .where('id', '=', id)
    .where('state', '=', from.state)
    .where('state_changed_at', '=', from.stateChangedAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteAlarm(q: Q, id: string): Promise<void> {
  await q.deleteFrom('alarm_history').where('alarm_id', '=', id).execute();
  await q.deleteFrom('alarms').where('id', '=', id).execute();
}

export async function insertHistory(q: Q, rows: readonly HistoryRow[]): Promise<void> {
  if (rows.length)
    await q
      .insertInto('alarm_history')
      .values([...rows])
      .execute();
}

export async function listHistory(q: Q, alarmId: string, limit: number): Promise<HistoryRow[]> {
  return q
    .selectFrom('alarm_history')
    .selectAll()
    .where('alarm_id', '=', alarmId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
