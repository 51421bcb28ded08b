import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, UserTable } from '../db/db-schema.js';

type Q = Kysely<Database>;
export type UserRow = Selectable<UserTable>;

export async function insertUser(q: Q, row: UserRow): Promise<void> {
  await q.insertInto('users').values(row).execute();
}

export async function findUserByName(q: Q, name: string): Promise<UserRow | undefined> {
  return q.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function findUserById(q: Q, id: string): Promise<UserRow | undefined> {
  return q.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listUsers(q: Q): Promise<UserRow[]> {
  return q.selectFrom('users').selectAll().orderBy('name').execute();
}

export async function countUsers(q: Q, role?: UserRow['role']): Promise<number> {
  let query = q.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n'));
  if (role) query = query.where('role', '=', role);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateUser(
  q: Q,
  id: string,
  set: Omit<Updateable<UserTable>, 'id' | 'name' | 'created_at'>,
): Promise<void> {
  await q.updateTable('users').set(set).where('id', '=', id).execute();
}

/**
 * Records `step` as the user's last TOTP step if it is later than the one
 * recorded: false when another sign-in used this step (or a later one) first.
 */
export async function claimTotpStep(q: Q, id: string, step: number): Promise<boolean> {
  const result = await q
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteUser(q: Q, id: string): Promise<void> {
  await q.deleteFrom('users').where('id', '=', id).execute();
}

/**
 * Serialises the transactions that change who is an admin (or whether a
 * first user exists): each writes the same kv row first, so on PostgreSQL a
 * second one waits for the first to commit and then counts what it left.
 */
export async function lockUsers(q: Q, now: number): Promise<void> {
  await q
    .insertInto('kv')
    .values({ key: 'users.lock', value: String(now) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(now) }))
    .execute();
}
