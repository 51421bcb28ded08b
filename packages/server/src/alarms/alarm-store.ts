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

export async function saveAlarmState(
  q: Q,
  id: string,
  s: { state: string; reason: string; stateChangedAt: number; evaluatedAt: number },
): Promise<void> {
  await q
    .updateTable('alarms')
    .set({ state: s.state, reason: s.reason, state_changed_at: s.stateChangedAt, evaluated_at: s.evaluatedAt })
    .where('id', '=', id)
    .execute();
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
