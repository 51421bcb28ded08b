/**
 * Enrolment: an admin makes a token that enrols up to `uses` agents until it expires; an agent exchanges it
 * once for its own credential and the server's command key.
 *
 * A token's states: active ──a use taken, uses left──▶ active ──last use taken──▶ used up
 *                   active ──expires_at passed──▶ expired · any ──revoke──▶ revoked.
 * Only an active token enrols. Tokens and credentials are stored as sha256 hashes; a token is shown once.
 *
 * The command key is an Ed25519 pair made once and kept in `kv` (the first node's pair wins on PostgreSQL);
 * the private key stays in memory and in that row, never in an answer or a log.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  commandSigningText,
  probeSigningText,
  enrollmentTokenCreateSchema,
  enrollRequestSchema,
  type EnrollResponse,
  type EnrollmentTokenView,
} from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { randomToken, uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import { insertAgent } from './agent-store.js';
import * as store from './enrollment-store.js';

/** A command frame's signed fields (see commandSigningText). */
export type SignedCommandFields = Parameters<typeof commandSigningText>[0];
/** A probe frame's signed fields (see probeSigningText). */
export type SignedProbeFields = Parameters<typeof probeSigningText>[0];

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export type { EnrollmentTokenView };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class EnrollmentService {
  private privateKey?: KeyObject;
  private publicPem?: string;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Reads the command key pair, making it on the first start. */
  async load(): Promise<void> {
    const pair = await store.keyPair(this.db, () => {
      const made = generateKeyPairSync('ed25519');
      return {
        publicKey: made.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        privateKey: made.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
    });
    this.privateKey = createPrivateKey(pair.privateKey);
    this.publicPem = pair.publicKey;
  }

  /** The server's Ed25519 public key (SPKI, PEM), as agents verify command frames with it. */
  commandKey(): string {
    if (!this.publicPem) throw new Error('the command key is read at load');
    return this.publicPem;
  }

  /** The base64 Ed25519 signature of a command frame's fields. */
  signCommand(fields: SignedCommandFields): string {
    if (!this.privateKey) throw new Error('the command key is read at load');
    return sign(null, Buffer.from(commandSigningText(fields)), this.privateKey).toString('base64');
  }

  /** The base64 Ed25519 signature of a probe frame's fields (the command key signs both). */
  signProbe(fields: SignedProbeFields): string {
    if (!this.privateKey) throw new Error('the command key is read at load');
    return sign(null, Buffer.from(probeSigningText(fields)), this.privateKey).toString('base64');
  }

  /** Makes a token; the answer is the only place its secret appears. */
  async createToken(input: unknown, createdBy: string | null): Promise<EnrollmentTokenView & { token: string }> {
    const parsed = enrollmentTokenCreateSchema.safeParse(input ?? {});
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const now = this.clock.now();
    const token = `tce_${randomToken(40)}`;
    const row: store.EnrollmentTokenRow = {
      id: uuidv7(now),
      name: parsed.data.name,
      token_hash: sha256(token),
      tags: JSON.stringify(parsed.data.tags),
      uses: parsed.data.uses,
      used: 0,
      expires_at: now + parsed.data.expiresIn,
      created_at: now,
      created_by: createdBy,
      revoked_at: null,
    };
    await store.insertToken(this.db, row);
    return { ...this.view(row, now), token };
  }

  async listTokens(): Promise<EnrollmentTokenView[]> {
    const now = this.clock.now();
    return (await store.listTokens(this.db)).map((r) => this.view(r, now));
  }

  async revokeToken(id: string): Promise<void> {
    if (!(await store.revokeToken(this.db, id, this.clock.now()))) throw notFound('enrolment token', id);
  }

  /**
   * Exchanges a token for a new agent's credential: the use is taken and the agent made in one transaction.
   * An unknown, revoked, expired or used-up token is a 401 that says which.
   */
  async enroll(input: unknown): Promise<EnrollResponse> {
    const parsed = enrollRequestSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const req = parsed.data;
    const now = this.clock.now();
    const hash = sha256(req.token);
    const credential = randomBytes(32).toString('base64url');
    const agentId = uuidv7(now);
    const taken = await this.db.transaction().execute(async (trx) => {
      const token = await store.takeTokenUse(trx, hash, now);
      if (!token) return undefined;
      const tags = { ...req.tags, ...(JSON.parse(token.tags) as Record<string, string>) };
      await insertAgent(trx, {
        id: agentId,
        hostname: req.hostname,
        tags: JSON.stringify(tags),
        version: req.version,
        platform: req.platform,
        credential_hash: sha256(credential),
        enrollment_token_id: token.id,
        enrolled_at: now,
        revoked_at: null,
        last_seen_at: null,
        state: 'offline',
        offline_since: null,
        node: null,
        connection_id: null,
        commands_enabled: 0,
        commands_allow: '[]',
        probes_enabled: 0,
        metrics: null,
        self_check: null,
      });
      return token;
    });
    if (!taken) throw new TocsinError('unauthorized', await this.whyRefused(hash, now));
    return { agentId, credential, commandKey: this.commandKey() };
  }

  /** The tags an enrolment token gives (they win over what an agent says of itself). */
  async tokenTags(tokenId: string | null): Promise<Record<string, string>> {
    if (tokenId === null) return {};
    const row = await store.tokenById(this.db, tokenId);
    return row ? (JSON.parse(row.tags) as Record<string, string>) : {};
  }

  private async whyRefused(hash: string, now: number): Promise<string> {
    const row = await store.tokenByHash(this.db, hash);
    if (!row) return 'token: not a valid enrolment token';
    const state = this.view(row, now).state;
    if (state === 'revoked') return `token: enrolment token '${row.name}' has been revoked`;
    if (state === 'expired') return `token: enrolment token '${row.name}' expired at ${iso(row.expires_at)}`;
    return `token: enrolment token '${row.name}' has enrolled its ${row.uses} agent(s) already`;
  }

  private view(r: store.EnrollmentTokenRow, now: number): EnrollmentTokenView {
    const state =
      r.revoked_at !== null ? 'revoked' : r.expires_at <= now ? 'expired' : r.used >= r.uses ? 'used' : 'active';
    return {
      id: r.id,
      name: r.name,
      tags: JSON.parse(r.tags) as Record<string, string>,
      uses: r.uses,
      used: r.used,
      expiresAt: iso(r.expires_at)!,
      createdAt: iso(r.created_at)!,
      createdBy: r.created_by,
      revokedAt: iso(r.revoked_at),
      state,
    };
  }
}
