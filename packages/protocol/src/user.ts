import { z } from 'zod';

/**
 * Users, sessions and the first-run setup: the bodies of /api/session,
 * /api/setup and /api/users, shared by the server's routes and the UI's forms.
 */

/** A user's role, and the API scope it acts with: admin → admin, editor → write, viewer → read. */
export const userRoles = ['admin', 'editor', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];
export const userRoleSchema = z.enum(userRoles);

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** A login name: 1-64 letters, digits, spaces, dot, dash or underscore, starting with a letter or digit. */
export const userNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$/,
    'use 1-64 letters, digits, spaces, dot, dash or underscore, starting with a letter or digit',
  );

/** A new password: 10 to 256 characters. */
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN, `use at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `use at most ${PASSWORD_MAX} characters`);

/** A six-digit code of an authenticator app. */
export const totpCodeSchema = z.string().regex(/^\d{6}$/, 'the six digits the authenticator app shows');

/** POST /api/session: sign in. A password is not checked against the rules here (an old one may predate them). */
export const loginSchema = z
  .object({
    name: z.string().min(1).max(64),
    password: z.string().min(1).max(PASSWORD_MAX),
    totp: totpCodeSchema.optional(),
  })
  .strict();
export type LoginBody = z.infer<typeof loginSchema>;

/** POST /api/setup: the first admin, with the setup code the server logged (or an admin API token). */
export const setupSchema = z
  .object({
    name: userNameSchema,
    password: passwordSchema,
    setupCode: z.string().min(1).max(256),
  })
  .strict();
export type SetupBody = z.infer<typeof setupSchema>;

/** POST /api/users. */
export const userCreateSchema = z
  .object({
    name: userNameSchema,
    password: passwordSchema,
    role: userRoleSchema,
  })
  .strict();
export type UserCreateBody = z.infer<typeof userCreateSchema>;

/** PATCH /api/users/{name}: a new role, a new password (the user's sessions end), or both. */
export const userPatchSchema = z
  .object({
    role: userRoleSchema.optional(),
    password: passwordSchema.optional(),
  })
  .strict();
export type UserPatchBody = z.infer<typeof userPatchSchema>;

/** PUT /api/session/password: the signed-in user's own password (their other sessions end). */
export const passwordChangeSchema = z
  .object({
    current: z.string().min(1).max(PASSWORD_MAX),
    password: passwordSchema,
  })
  .strict();
export type PasswordChangeBody = z.infer<typeof passwordChangeSchema>;

/** POST /api/session/totp/confirm and DELETE /api/session/totp. */
export const totpCodeBodySchema = z.object({ code: totpCodeSchema }).strict();
export type TotpCodeBody = z.infer<typeof totpCodeBodySchema>;

/** A user as the API shows it (never a hash or a secret). */
export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: userRoleSchema,
  /** Whether a TOTP second factor is enrolled. */
  totp: z.boolean(),
  createdAt: z.string().optional(),
  lastLoginAt: z.string().nullable().optional(),
});
export type User = z.infer<typeof userSchema>;

/** GET/POST /api/session, POST /api/setup: who is signed in, the CSRF token for writes, when the session ends. */
export const sessionSchema = z.object({
  user: userSchema,
  /** Send as the X-CSRF-Token header on every write made with the session cookie. */
  csrfToken: z.string(),
  /** Epoch milliseconds; slides forward while the session is used. */
  expiresAt: z.number(),
});
export type Session = z.infer<typeof sessionSchema>;

/** POST /api/session/totp: a new secret to enroll, confirmed with a code before it counts. */
export const totpEnrollmentSchema = z.object({ secret: z.string(), otpauthUrl: z.string() });
export type TotpEnrollment = z.infer<typeof totpEnrollmentSchema>;
