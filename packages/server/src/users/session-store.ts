import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionTable } from '../db/db-schema.js';

type Q = Kysely<Database>;
export type SessionRow = Selectable<SessionTable>;

export async function insertSession(q: Q, row: SessionRow): Promise<void> {
  await q.insertInto('sessions').values(row).execute();
}

export async function findSession(q: Q, idHash: string): Promise<SessionRow | undefined> {
  return q.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

/** A session with what its user is now (name, role, whether TOTP is on). */
export type SessionWithUser = SessionRow & { name: string; role: 'admin' | 'editor' | 'viewer'; totp: boolean };

export async function findSessionWithUser(q: Q, idHash: string): Promise<SessionWithUser | undefined> {
  const row = await q
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(['users.name', 'users.role', 'users.totp_secret'])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const { totp_secret, ...rest } = row;
  return { ...rest, totp: totp_secret !== null };
}

export async function deleteSession(q: Q, idHash: string): Promise<void> {
  await q.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends a user's sessions but `keep` (the one that changed the password); answers the hashes ended. */
export async function deleteUserSessions(q: Q, userId: string, keep?: string): Promise<string[]> {
  let query = q.deleteFrom('sessions').where('user_id', '=', userId);
  if (keep !== undefined) query = query.where('id_hash', '!=', keep);
  const rows = await query.returning('id_hash').execute();
  return rows.map((r) => r.id_hash);
}

/** Slides sessions forward: each gets its own last-seen and expiry time, never beyond what is stored later. */
export async function touchSessions(
  q: Q,
  touches: readonly { idHash: string; lastSeenAt: number; expiresAt: number }[],
): Promise<void> {
  if (touches.length === 0) return;
  await q.transaction().execute(async (tx) => {
    for (const t of touches) {
      await tx
        .updateTable('sessions')
        .set({ last_seen_at: t.lastSeenAt, expires_at: t.expiresAt })
        .where('id_hash', '=', t.idHash)
        .where('last_seen_at', '<', t.lastSeenAt)
        .execute();
    }
  });
}

/** Deletes sessions that ended before `now`; answers how many. */
export async function pruneSessions(q: Q, now: number): Promise<number> {
  const result = await q.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
