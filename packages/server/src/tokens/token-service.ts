/**
 * API tokens: `tcn_` and 40 random characters, stored only as a SHA-256
 * hash (tokens are random, so a slow hash adds nothing). Scopes:
 *   admin  – everything
 *   read   – every GET of the API and /metrics
 *   ingest – sending data in (publish, and later pings, datapoints, logs)
 * Token states: active ──revoke──▶ revoked (kept for the audit trail).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { randomToken, uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import * as store from './token-store.js';

export const scopes = ['admin', 'read', 'ingest'] as const;
export type Scope = (typeof scopes)[number];
/** What a route asks for; `public` routes take no token. */
export type RouteScope = Scope | 'public';

export interface Principal {
  tokenId: string;
  name: string;
  scope: Scope;
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

/** Whether a token of scope `have` may call a route that asks for `need`. */
export function scopeAllows(have: Scope, need: RouteScope): boolean {
  return need === 'public' || have === 'admin' || have === need;
}

export class TokenService {
  private readonly envAdminHash?: Buffer;
  private readonly lastUsed = new Set<string>();

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

  /** Resolves a bearer token; undefined when unknown or revoked. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const hash = hashApiToken(token);
    if (this.envAdminHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.envAdminHash)) {
      return { tokenId: 'env', name: 'TOCSIN_ADMIN_TOKEN', scope: 'admin' };
    }
    const row = await store.findTokenByHash(this.db, hash);
    if (!row || row.revoked_at !== null) return undefined;
    this.lastUsed.add(row.id);
    return { tokenId: row.id, name: row.name, scope: row.scope };
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
