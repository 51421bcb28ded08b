/**
 * Enrolment tokens and the server's command-signing key pair (a `kv` row). A token's uses are taken by a
 * conditional UPDATE, so that a token of one use enrols exactly one agent however many ask at once.
 */
import type { Kysely } from 'kysely';
import type { Database, EnrollmentTokenTable } from '../db/db-schema.js';

type Q = Kysely<Database>;

export type EnrollmentTokenRow = EnrollmentTokenTable;

/** The `kv` key of the Ed25519 key pair command frames are signed with. */
const KEY_PAIR_KEY = 'fleet.command-key';

export async function insertToken(q: Q, row: EnrollmentTokenRow): Promise<void> {
  await q.insertInto('enrollment_tokens').values(row).execute();
}

export async function listTokens(q: Q): Promise<EnrollmentTokenRow[]> {
  return q.selectFrom('enrollment_tokens').selectAll().orderBy('created_at').orderBy('id').execute();
}

/** Revokes a token; false when there is none of that id. */
export async function revokeToken(q: Q, id: string, now: number): Promise<boolean> {
  const found = await q.selectFrom('enrollment_tokens').select('revoked_at').where('id', '=', id).executeTakeFirst();
  if (!found) return false;
  if (found.revoked_at === null)
    await q.updateTable('enrollment_tokens').set({ revoked_at: now }).where('id', '=', id).execute();
  return true;
}

/**
 * Takes one use of the token of hash `hash` if it is valid at `now` (not revoked, not expired, a use left):
 * the row, or undefined. The WHERE is evaluated again after a concurrent writer's commit (PostgreSQL) or under
 * the database's one writer (SQLite), so no use is taken twice.
 */
export async function takeTokenUse(q: Q, hash: string, now: number): Promise<EnrollmentTokenRow | undefined> {
  return q
    .updateTable('enrollment_tokens')
    .set((eb) => ({ used: eb('used', '+', 1) }))
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .whereRef('used', '<', 'uses')
    .returningAll()
    .executeTakeFirst();
}

/** Why a token was refused, for the answer: it is found by hash, whatever its state. */
export async function tokenByHash(q: Q, hash: string): Promise<EnrollmentTokenRow | undefined> {
  return q.selectFrom('enrollment_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export interface KeyPairText {
  publicKey: string;
  privateKey: string;
}

/** The stored key pair, or `made` stored first when there is none (the first writer's wins). */
export async function keyPair(q: Q, made: () => KeyPairText): Promise<KeyPairText> {
  const read = async () =>
    (await q.selectFrom('kv').select('value').where('key', '=', KEY_PAIR_KEY).executeTakeFirst())?.value;
  const stored = await read();
  if (stored) return JSON.parse(stored) as KeyPairText;
  await q
    .insertInto('kv')
    .values({ key: KEY_PAIR_KEY, value: JSON.stringify(made()) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return JSON.parse((await read())!) as KeyPairText;
}

export async function tokenById(q: Q, id: string): Promise<EnrollmentTokenRow | undefined> {
  return q.selectFrom('enrollment_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Deletes tokens expired or revoked before `before` (the agents they enrolled keep their rows). */
export async function pruneTokens(q: Q, before: number): Promise<void> {
  await q
    .deleteFrom('enrollment_tokens')
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .execute();
}
