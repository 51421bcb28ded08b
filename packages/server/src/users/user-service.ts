/**
 * Users of the web UI and their roles, which map onto API scopes:
 * admin → admin, editor → write, viewer → read. There is always at least one
 * admin once the first exists: the last one can be neither deleted nor
 * demoted. A TOTP second factor is optional per user.
 *
 * TOTP states: none ──enroll──▶ pending (secret shown once) ──confirm(code)──▶ enrolled ──disable(code)──▶ none.
 * Enrolling again while enrolled replaces nothing until the new secret is confirmed.
 */
import type { Kysely } from 'kysely';
import type { User, UserRole } from '@tocsin/protocol';
import { passwordSchema, userNameSchema } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { Scope } from '../tokens/token-service.js';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword, type ScryptParams } from './password-hash.js';
import { newTotpSecret, otpauthUrl, verifyTotp } from './totp.js';
import * as store from './user-store.js';

export const scopeOfRole: Record<UserRole, Scope> = { admin: 'admin', editor: 'write', viewer: 'read' };

/** What a wrong name and a wrong password both answer: which of the two was wrong is not told. */
export const WRONG_CREDENTIALS = 'name or password is wrong';

/** Verified against when the name is unknown, so that an unknown name takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

export class UserService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly scrypt: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  async list(): Promise<User[]> {
    return (await store.listUsers(this.db)).map(userView);
  }

  async get(name: string): Promise<User> {
    return userView(await this.row(name));
  }

  async count(): Promise<number> {
    return store.countUsers(this.db);
  }

  /** Creates a user; with `onlyFirst`, only while there is none (the first-run setup: 409 otherwise). */
  async create(name: string, password: string, role: UserRole, onlyFirst = false): Promise<User> {
    checkName(name);
    checkPassword(password, 'password');
    const hash = await hashPassword(password, this.scrypt);
    const now = this.clock.now();
    const row: store.UserRow = {
      id: uuidv7(now),
      name,
      password_hash: hash,
      role,
      totp_secret: null,
      totp_pending: null,
      totp_last_step: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      await store.lockUsers(tx, now);
      if (onlyFirst && (await store.countUsers(tx)) > 0)
        throw new TocsinError('conflict', 'setup is done: a user exists already; sign in instead');
      if (await store.findUserByName(tx, name))
        throw new TocsinError('conflict', `a user named '${name}' already exists`);
      await store.insertUser(tx, row);
    });
    return userView(row);
  }

  /** Changes a user's role and/or password; answers the user and whether the password changed. */
  async update(name: string, patch: { role?: UserRole; password?: string }): Promise<User> {
    if (patch.password !== undefined) checkPassword(patch.password, 'password');
    const hash = patch.password === undefined ? undefined : await hashPassword(patch.password, this.scrypt);
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      await store.lockUsers(tx, now);
      const row = await store.findUserByName(tx, name);
      if (!row) throw notFound('user', name);
      if (patch.role && patch.role !== 'admin' && row.role === 'admin') await assertOtherAdmin(tx, name, 'demote');
      const set = {
        updated_at: now,
        ...(patch.role ? { role: patch.role } : {}),
        ...(hash ? { password_hash: hash } : {}),
      };
      await store.updateUser(tx, row.id, set);
      return userView({ ...row, ...set });
    });
  }

  async delete(name: string): Promise<User> {
    return this.db.transaction().execute(async (tx) => {
      await store.lockUsers(tx, this.clock.now());
      const row = await store.findUserByName(tx, name);
      if (!row) throw notFound('user', name);
      if (row.role === 'admin') await assertOtherAdmin(tx, name, 'delete');
      await store.deleteUser(tx, row.id);
      return userView(row);
    });
  }

  /**
   * Checks a name and password, then the TOTP code when the user has one.
   * Throws 401 `unauthorized`: wrong credentials, or `details.totpRequired`.
   */
  async verifyLogin(name: string, password: string, totp?: string): Promise<User> {
    const row = await store.findUserByName(this.db, name);
    if (!row) {
      dummyHash ??= hashPassword('not a password of anyone', this.scrypt);
      await verifyPassword(password, await dummyHash);
      throw new TocsinError('unauthorized', WRONG_CREDENTIALS);
    }
    if (!(await verifyPassword(password, row.password_hash))) throw new TocsinError('unauthorized', WRONG_CREDENTIALS);
    if (row.totp_secret) {
      if (totp === undefined)
        throw new TocsinError('unauthorized', 'send the code of your authenticator app as totp', {
          totpRequired: true,
        });
      await this.useTotp(row, row.totp_secret, totp, 'totp');
    }
    const now = this.clock.now();
    const set: Parameters<typeof store.updateUser>[2] = { last_login_at: now };
    // Parameters raised since the hash was made: re-hash now that the password is known.
    if (needsRehash(row.password_hash, this.scrypt)) set.password_hash = await hashPassword(password, this.scrypt);
    await store.updateUser(this.db, row.id, set);
    return userView({ ...row, last_login_at: now });
  }

  /** The signed-in user's own password change; the current one must be right. */
  async changePassword(userId: string, current: string, password: string): Promise<User> {
    const row = await this.rowById(userId);
    if (!(await verifyPassword(current, row.password_hash)))
      throw invalid([{ path: 'current', message: 'is not your current password' }]);
    return this.update(row.name, { password });
  }

  /** Starts TOTP enrolment: a new secret, pending until `confirmTotp` gets a code made from it. */
  async enrollTotp(userId: string): Promise<{ secret: string; otpauthUrl: string }> {
    const row = await this.rowById(userId);
    const secret = newTotpSecret();
    await store.updateUser(this.db, row.id, { totp_pending: secret, updated_at: this.clock.now() });
    return { secret, otpauthUrl: otpauthUrl(row.name, secret) };
  }

  async confirmTotp(userId: string, code: string): Promise<User> {
    const row = await this.rowById(userId);
    if (!row.totp_pending)
      throw new TocsinError('conflict', 'no TOTP enrolment is pending: start one with POST /api/session/totp');
    await this.useTotp(row, row.totp_pending, code, 'code');
    const set = { totp_secret: row.totp_pending, totp_pending: null, updated_at: this.clock.now() };
    await store.updateUser(this.db, row.id, set);
    return userView({ ...row, ...set });
  }

  async disableTotp(userId: string, code: string): Promise<User> {
    const row = await this.rowById(userId);
    if (!row.totp_secret) throw new TocsinError('conflict', 'no TOTP second factor is enrolled');
    await this.useTotp(row, row.totp_secret, code, 'code');
    const set = { totp_secret: null, totp_pending: null, updated_at: this.clock.now() };
    await store.updateUser(this.db, row.id, set);
    return userView({ ...row, ...set });
  }

  /** Accepts `code` once: a step used before (on any node) is refused. */
  private async useTotp(row: store.UserRow, secret: string, code: string, field: string): Promise<void> {
    const step = verifyTotp(secret, code, this.clock.now(), row.totp_last_step);
    if (step !== undefined && (await store.claimTotpStep(this.db, row.id, step))) return;
    const message = 'the code is wrong, expired or already used';
    // At sign-in a wrong code is a failed sign-in (401); a signed-in user's wrong code is a field error.
    if (field === 'totp') throw new TocsinError('unauthorized', `totp: ${message}`, { totpRequired: true });
    throw invalid([{ path: field, message }]);
  }

  private async row(name: string): Promise<store.UserRow> {
    const row = await store.findUserByName(this.db, name);
    if (!row) throw notFound('user', name);
    return row;
  }

  private async rowById(id: string): Promise<store.UserRow> {
    const row = await store.findUserById(this.db, id);
    if (!row) throw new TocsinError('unauthorized', 'this user no longer exists');
    return row;
  }
}

async function assertOtherAdmin(q: Kysely<Database>, name: string, what: 'delete' | 'demote'): Promise<void> {
  if ((await store.countUsers(q, 'admin')) <= 1)
    throw new TocsinError('conflict', `cannot ${what} '${name}': it is the last admin (make another admin first)`);
}

function checkName(name: string): void {
  const r = userNameSchema.safeParse(name);
  if (!r.success) throw invalid([{ path: 'name', message: r.error.issues[0].message }]);
}

function checkPassword(password: string, path: string): void {
  const r = passwordSchema.safeParse(password);
  if (!r.success) throw invalid([{ path, message: r.error.issues[0].message }]);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function userView(row: store.UserRow): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    totp: row.totp_secret !== null,
    createdAt: iso(row.created_at)!,
    lastLoginAt: iso(row.last_login_at),
  };
}
