import { z } from 'zod';

/**
 * API tokens: the body of POST /api/tokens, shared by the server's route and the UI's tokens page.
 * A token acts with one scope: admin (everything), write (reads and domain writes), read, or ingest.
 */

export const tokenScopes = ['admin', 'write', 'read', 'ingest'] as const;
export type TokenScope = (typeof tokenScopes)[number];
export const tokenScopeSchema = z.enum(tokenScopes, { error: 'pick one of admin, write, read, ingest' });

export const TOKEN_NAME_MAX = 64;

/** POST /api/tokens: a name saying who uses the token (1-64 characters) and its scope. */
export const tokenCreateSchema = z
  .object({
    name: z
      .string()
      .min(1, 'required: a name saying who uses the token')
      .max(TOKEN_NAME_MAX, `at most ${TOKEN_NAME_MAX} characters`),
    scope: tokenScopeSchema,
  })
  .strict();
export type TokenCreateBody = z.infer<typeof tokenCreateSchema>;
