/**
 * Sign-in sessions. The cookie holds 32 random bytes (base64url); the
 * database holds only their SHA-256, so a leaked table opens no session.
 *
 * A session's states: live ──used──▶ live (expiry slid to last use + 7 days, never past 30 days from sign-in)
 * ──idle 7 days or 30 days old──▶ expired (refused; pruned by retention) · live ──logout, password change,
 * user deleted──▶ gone.
 *
 * Lookups are cached in memory for a few seconds (a dashboard polls): what this node ends (logout, password
 * change, role change, user deleted) leaves its cache at once; another node's cache may serve a session for
 * up to `cacheMs` after it ended elsewhere. Last-seen times are written in one batch a minute, not per request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { User } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import type { Database } from '../db/db-schema.js';
import type { Principal, SessionAuthenticator } from '../tokens/token-service.js';
import * as store from './session-store.js';
import { scopeOfRole } from './user-service.js';

export const SESSION_COOKIE = 'tocsin_session';

export interface SessionTimings {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however used. */
  maxMs: number;
  /** A use slides the expiry only when the last recorded use is older than this. */
  touchEveryMs: number;
  /** How long a lookup is served from memory. */
  cacheMs: number;
}

export const DEFAULT_SESSION_TIMINGS: SessionTimings = {
  idleMs: 7 * 86_400_000,
  maxMs: 30 * 86_400_000,
  touchEveryMs: 60_000,
  cacheMs: 5_000,
};

/** The most sessions held in the lookup cache; past it the oldest entries go. */
const CACHE_MAX = 10_000;

export interface SessionInfo {
  idHash: string;
  user: Pick<User, 'id' | 'name' | 'role' | 'totp'>;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export function hashSessionId(cookie: string): string {
  return createHash('sha256').update(cookie).digest('hex');
}

export class SessionService implements SessionAuthenticator {
  private readonly cache = new Map<string, { info: SessionInfo; until: number }>();
  /** Slides not yet written: id hash → last seen, expiry. */
  private readonly touches = new Map<string, { lastSeenAt: number; expiresAt: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    readonly timings: SessionTimings = DEFAULT_SESSION_TIMINGS,
  ) {}

  /** Signs `user` in: answers the cookie's value (shown only to this client) and the session. */
  async create(
    user: SessionInfo['user'],
    meta: { ip?: string; userAgent?: string },
  ): Promise<{
    cookie: string;
    session: SessionInfo;
  }> {
    const cookie = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const row: store.SessionRow = {
      id_hash: hashSessionId(cookie),
      user_id: user.id,
      csrf_token: randomBytes(32).toString('base64url'),
      created_at: now,
      expires_at: now + Math.min(this.timings.idleMs, this.timings.maxMs),
      last_seen_at: now,
      ip: meta.ip?.slice(0, 64) ?? null,
      user_agent: meta.userAgent?.slice(0, 512) ?? null,
    };
    await store.insertSession(this.db, row);
    const session = infoOf({ ...row, ...user, totp: user.totp });
    this.remember(session);
    return { cookie, session };
  }

  /** The live session of a cookie, its expiry slid forward; undefined when unknown or expired. */
  async lookup(cookie: string): Promise<SessionInfo | undefined> {
    const idHash = hashSessionId(cookie);
    const now = this.clock.now();
    const cached = this.cache.get(idHash);
    let info = cached && cached.until > now ? cached.info : undefined;
    if (!info) {
      const row = await store.findSessionWithUser(this.db, idHash);
      if (!row) {
        this.cache.delete(idHash);
        return undefined;
      }
      info = infoOf(row);
      const pending = this.touches.get(idHash);
      if (pending && pending.lastSeenAt > info.lastSeenAt) Object.assign(info, pending);
      this.remember(info);
    }
    if (info.expiresAt <= now) {
      this.cache.delete(idHash);
      return undefined;
    }
    if (now - info.lastSeenAt >= this.timings.touchEveryMs) {
      info.lastSeenAt = now;
      info.expiresAt = Math.min(now + this.timings.idleMs, info.createdAt + this.timings.maxMs);
      this.touches.set(idHash, { lastSeenAt: info.lastSeenAt, expiresAt: info.expiresAt });
    }
    return info;
  }

  async authenticateSession(cookie: string): Promise<Principal | undefined> {
    const info = await this.lookup(cookie);
    if (!info) return undefined;
    return {
      kind: 'user',
      userId: info.user.id,
      name: info.user.name,
      scope: scopeOfRole[info.user.role],
      csrfToken: info.csrfToken,
    };
  }

  /** Logout: the session is gone at once (on this node; see the cache note above). */
  async end(cookie: string): Promise<void> {
    const idHash = hashSessionId(cookie);
    this.cache.delete(idHash);
    this.touches.delete(idHash);
    await store.deleteSession(this.db, idHash);
  }

  /** Ends a user's sessions, but the one of `keepCookie` (a password changed by its owner). */
  async endUserSessions(userId: string, keepCookie?: string): Promise<void> {
    const keep = keepCookie === undefined ? undefined : hashSessionId(keepCookie);
    this.forgetUser(userId, keep);
    for (const idHash of await store.deleteUserSessions(this.db, userId, keep)) {
      this.cache.delete(idHash);
      this.touches.delete(idHash);
    }
  }

  /** Drops a user's cached sessions (after a role or TOTP change): the next lookup reads them again. */
  forgetUser(userId: string, keep?: string): void {
    for (const [idHash, entry] of this.cache)
      if (entry.info.user.id === userId && idHash !== keep) this.cache.delete(idHash);
  }

  /** Writes the slid expiries in one batch (called periodically, and at close). */
  async flush(): Promise<void> {
    if (this.touches.size === 0) return;
    const batch = [...this.touches].map(([idHash, t]) => ({ idHash, ...t }));
    this.touches.clear();
    await store.touchSessions(this.db, batch);
  }

  /** Deletes expired sessions (the hourly retention job). Pending slides are written first, so none is lost. */
  async prune(now: number): Promise<void> {
    await this.flush();
    await store.pruneSessions(this.db, now);
    for (const [idHash, entry] of this.cache) if (entry.info.expiresAt <= now) this.cache.delete(idHash);
  }

  private remember(info: SessionInfo): void {
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(info.idHash, { info, until: this.clock.now() + this.timings.cacheMs });
  }
}

function infoOf(row: store.SessionRow & Pick<User, 'name' | 'role' | 'totp'>): SessionInfo {
  return {
    idHash: row.id_hash,
    user: { id: row.user_id, name: row.name, role: row.role, totp: row.totp },
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}
