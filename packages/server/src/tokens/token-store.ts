import type { Kysely, Selectable } from 'kysely';
import type { ApiTokenTable, Database } from '../db/db-schema.js';

type Q = Kysely<Database>;
export type TokenRow = Selectable<ApiTokenTable>;

export async function insertToken(q: Q, row: TokenRow): Promise<void> {
  await q.insertInto('api_tokens').values(row).execute();
}

export async function findTokenByHash(q: Q, hash: string): Promise<TokenRow | undefined> {
  return q.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export async function listTokens(q: Q): Promise<TokenRow[]> {
  return q.selectFrom('api_tokens').selectAll().orderBy('created_at').execute();
}

export async function findToken(q: Q, idOrName: string): Promise<TokenRow | undefined> {
  return q
    .selectFrom('api_tokens')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function revokeToken(q: Q, id: string, now: number): Promise<void> {
  await q.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).execute();
}

export async function touchTokens(q: Q, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await q
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', 'in', [...ids])
    .execute();
}

export async function countTokens(q: Q): Promise<number> {
  const row = await q
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
