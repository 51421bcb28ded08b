/**
 * API tokens: `tcn_` and 40 random characters, stored only as a SHA-256
 * hash (tokens are random, so a slow hash adds nothing). Scopes:
 *   admin  – everything
 *   write  – reads and every domain write
 *   read   – every GET of the API and /metrics
 *   ingest – sending data in (publish, and later pings, datapoints, logs)
 * Token states: active ──revoke──▶ revoked (kept for the audit trail).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type TokenScope, tokenScopes } from '@tocsin/protocol';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { randomToken, uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import * as store from './token-store.js';

export const scopes = tokenScopes;
export type Scope = TokenScope;
/** What a route asks for; `public` routes take no token. */
export type RouteScope = Scope | 'public';

/** Who a request acts for: an API token, or a signed-in user (by the session cookie, with its role's scope). */
export interface Principal {
  kind: 'token' | 'user';
  /** The token's id (`env` for TOCSIN_ADMIN_TOKEN); absent for a user. */
  tokenId?: string;
  userId?: string;
  /** The token's or the user's name. */
  name: string;
  scope: Scope;
  /** A user's session: the CSRF token its writes must carry. */
  csrfToken?: string;
}

/**
 * Resolves the session cookie to a user principal (the users module plugs
 * one in, see `acceptSessions`); undefined when the session is unknown or over.
 */
export interface SessionAuthenticator {
  authenticateSession(cookieValue: string): Promise<Principal | undefined>;
}

export interface TokenView {
  id: string;
  name: string;
  scope: Scope;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a token of scope `have` may call a route that asks for `need`: admin ⊇ write ⊇ read; ingest alone. */
export function scopeAllows(have: Scope, need: RouteScope): boolean {
  if (need === 'public' || have === 'admin' || have === need) return true;
  return have === 'write' && need === 'read';
}

export class TokenService {
  private readonly envAdminHash?: Buffer;
  private readonly lastUsed = new Set<string>();
  private sessionAuth?: SessionAuthenticator;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    envAdminToken?: string,
  ) {
    if (envAdminToken) this.envAdminHash = Buffer.from(hashApiToken(envAdminToken), 'hex');
  }

  async create(name: string, scope: Scope): Promise<{ token: string; view: TokenView }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$/.test(name)) {
      throw new TocsinError('validation_failed', 'name: use 1-64 letters, digits, spaces, dot, dash or underscore', {
        issues: [{ path: 'name', message: 'invalid name' }],
      });
    }
    if (await store.findToken(this.db, name))
      throw new TocsinError('conflict', `a token named '${name}' already exists`);
    const now = this.clock.now();
    const token = `tcn_${randomToken(40)}`;
    const row = {
      id: uuidv7(now),
      name,
      scope,
      token_hash: hashApiToken(token),
      prefix: token.slice(0, 8),
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    };
    await store.insertToken(this.db, row);
    return { token, view: toView(row) };
  }

  async list(): Promise<TokenView[]> {
    return (await store.listTokens(this.db)).map(toView);
  }

  async revoke(idOrName: string): Promise<TokenView> {
    const row = await store.findToken(this.db, idOrName);
    if (!row) throw new TocsinError('not_found', `no active token with id or name '${idOrName}'`);
    const now = this.clock.now();
    await store.revokeToken(this.db, row.id, now);
    return toView({ ...row, revoked_at: now });
  }

  /** Makes the first admin token if there is none; returns it to print once. */
  async bootstrap(): Promise<string | undefined> {
    if (this.envAdminHash) return undefined;
    if ((await store.countTokens(this.db)) > 0) return undefined;
    return (await this.create('admin', 'admin')).token;
  }

  /**
   * Makes routes accept the session cookie beside bearer tokens. Called once
   * by the users module as the app is built, before any route is served.
   */
  acceptSessions(auth: SessionAuthenticator): void {
    this.sessionAuth = auth;
  }

  /** Resolves a session cookie; undefined when unknown, over, or no users module is there. */
  async authenticateSession(cookieValue: string): Promise<Principal | undefined> {
    return this.sessionAuth?.authenticateSession(cookieValue);
  }

  /** Resolves a bearer token; undefined when unknown or revoked. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const hash = hashApiToken(token);
    if (this.envAdminHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.envAdminHash)) {
      return { kind: 'token', tokenId: 'env', name: 'TOCSIN_ADMIN_TOKEN', scope: 'admin' };
    }
    const row = await store.findTokenByHash(this.db, hash);
    if (!row || row.revoked_at !== null) return undefined;
    this.lastUsed.add(row.id);
    return { kind: 'token', tokenId: row.id, name: row.name, scope: row.scope };
  }

  /** Writes last-used times in one batch (called periodically, not per request). */
  async flushLastUsed(): Promise<void> {
    const ids = [...this.lastUsed];
    this.lastUsed.clear();
    await store.touchTokens(this.db, ids, this.clock.now());
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function toView(row: store.TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}
